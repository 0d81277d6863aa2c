/*
 * footfall wire protocol v1: portable C99 frame encoder.
 *
 * No dynamic memory, no floating-point maths beyond copying the scale
 * factors' bits, no dependence on the host's byte order. Every function
 * writes into a caller-supplied buffer and returns the number of bytes
 * written, or 0 when the buffer is too small or an argument is invalid.
 *
 * The byte layout is specified in ../PROTOCOL.md.
 */
#ifndef FF_WIRE_H
#define FF_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define FF_PROTOCOL_VERSION 1u
#define FF_HEADER_LEN 24u
#define FF_CRC_LEN 2u
#define FF_MAX_FRAME_LEN 1024u
/* COBS adds at most one byte per 254, plus one; the serial delimiter one more. */
#define FF_SERIAL_MAX_LEN(n) ((n) + (n) / 254u + 2u)

enum ff_msg_type {
    FF_MSG_DEVICE_INFO = 0x01,
    FF_MSG_STATUS = 0x02,
    FF_MSG_IMU6 = 0x10,
    FF_MSG_INSOLE = 0x11
};

enum ff_kind { FF_KIND_IMU = 0, FF_KIND_INSOLE = 1 };
enum ff_side { FF_SIDE_LEFT = 0, FF_SIDE_RIGHT = 1 };
enum ff_placement { FF_PLACEMENT_FOOT = 0, FF_PLACEMENT_SHANK = 1, FF_PLACEMENT_NONE = 0xFF };

/* What a stream is: sent as DEVICE_INFO. Strings are NUL-terminated, at most 255 bytes. */
typedef struct {
    uint8_t kind;              /* enum ff_kind */
    uint8_t side;              /* enum ff_side */
    uint8_t placement;         /* enum ff_placement */
    uint8_t n_channels;        /* 6 for an IMU, the number of cells for an insole */
    uint32_t rate_mhz;         /* nominal sample rate, millihertz */
    float scale0;              /* IMU: m/s^2 per LSB; insole: kPa per LSB */
    float scale1;              /* IMU: rad/s per LSB; insole: 0 */
    uint16_t samples_per_frame;
    uint32_t boot_id;          /* random at power-up */
    const char *name;          /* stable device name, e.g. "ff-left-foot" */
    const char *firmware;      /* firmware version */
    const char *layout;        /* insole layout name, or "" / NULL */
} ff_device_info_t;

/* Link and battery health: sent as STATUS. */
typedef struct {
    uint32_t next_seq;
    uint32_t frames_dropped;
    uint32_t samples_overrun;
    uint16_t battery_mv;       /* 0 = unknown */
    uint8_t battery_pct;       /* 0xFF = unknown */
    uint8_t flags;             /* bit 0 charging, bit 1 external power */
} ff_status_t;

/* Per-stream sequence state: seq counts data frames generated. */
typedef struct {
    uint8_t stream_id;
    uint32_t next_seq;
} ff_stream_t;

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR.
 * ff_crc16((const uint8_t *)"123456789", 9) == 0x29B1. */
uint16_t ff_crc16(const uint8_t *data, size_t len);
uint16_t ff_crc16_update(uint16_t crc, const uint8_t *data, size_t len);

/* COBS-encode len bytes; the output holds no 0x00. Returns the encoded length or 0. */
size_t ff_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap);

/* Serial framing of a complete frame (with CRC): COBS then one 0x00. */
size_t ff_serial_wrap(const uint8_t *frame, size_t len, uint8_t *out, size_t out_cap);

/* Data frames (IMU samples interleaved: ax ay az gx gy gz per sample;
 * insole cells sample-major). The frame takes the stream's next sequence number and advances it. */
size_t ff_encode_imu6(uint8_t *buf, size_t cap, ff_stream_t *stream, uint64_t t_first_us,
                      uint32_t period_ns, float acc_scale, float gyr_scale,
                      const int16_t *samples, uint16_t n_samples);
size_t ff_encode_insole(uint8_t *buf, size_t cap, ff_stream_t *stream, uint64_t t_first_us,
                        uint32_t period_ns, float kpa_scale, uint8_t n_cells,
                        const uint16_t *cells, uint16_t n_samples);

/* Data frame that was generated but cannot be sent: uses up its sequence number. */
void ff_skip_frame(ff_stream_t *stream);

/* Control frames: carry the stream's next sequence number without using it. */
size_t ff_encode_device_info(uint8_t *buf, size_t cap, const ff_stream_t *stream,
                             uint64_t t_now_us, uint32_t period_ns,
                             const ff_device_info_t *info);
size_t ff_encode_status(uint8_t *buf, size_t cap, const ff_stream_t *stream,
                        uint64_t t_now_us, uint32_t period_ns, const ff_status_t *status);

/* A frame of any type with a raw payload (for extensions and tests). extra_len
 * extension bytes (0x00..) are placed between payload and CRC. */
size_t ff_encode_raw(uint8_t *buf, size_t cap, uint8_t msg_type, uint8_t stream_id,
                     uint16_t sample_count, uint32_t seq, uint64_t t_first_us,
                     uint32_t period_ns, const uint8_t *payload, uint16_t payload_len,
                     const uint8_t *extra, uint16_t extra_len);

/* Samples that fit one frame of at most max_frame_len bytes. Over BLE a
 * notification carries frames in their serial form (COBS, then 0x00), so
 * max_frame_len is the longest frame whose COBS form plus the delimiter fits
 * MTU - 3 bytes (PROTOCOL.md, GATT layout; footfall.devices.gatt.ble_max_frame_len). */
uint16_t ff_imu6_samples_per_frame(size_t max_frame_len);
uint16_t ff_insole_samples_per_frame(size_t max_frame_len, uint8_t n_cells);

#endif /* FF_WIRE_H */
