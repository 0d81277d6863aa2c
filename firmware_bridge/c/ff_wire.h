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

/* ---------------------------------------------------------------------- */
/* Bluetooth LE (PROTOCOL.md, "BLE transport" and "GATT layout")           */
/* ---------------------------------------------------------------------- */

#define FF_ATT_NOTIFY_OVERHEAD 3u  /* ATT opcode and handle of a notification */
#define FF_BLE_MIN_MTU 51u         /* one IMU sample per frame */
#define FF_BLE_MAX_MTU 517u        /* largest ATT MTU */

/* Longest frame (before COBS) whose serial form, COBS(frame) 0x00, fits one
 * notification of an ATT MTU of mtu bytes, i.e. mtu - 3 bytes, whatever the
 * frame's bytes (COBS grows a frame most when it holds no 0x00). Equals
 * footfall.devices.gatt.ble_max_frame_len(mtu); 0 when nothing fits. */
size_t ff_ble_max_frame_len(uint16_t mtu);

/* Samples of a full data frame at this MTU: kind FF_KIND_IMU (n_cells
 * ignored) or FF_KIND_INSOLE with n_cells cells. 0 when the MTU is too small
 * for one sample (below FF_BLE_MIN_MTU for an IMU): the device does not stream
 * over such a link. This is DEVICE_INFO's samples_per_frame over BLE. */
uint16_t ff_ble_samples_per_frame(uint16_t mtu, uint8_t kind, uint8_t n_cells);

/* Notification packer: whole frames in their serial form, one after another,
 * in a buffer of mtu - 3 bytes. A frame is never split across two
 * notifications. */
typedef struct {
    uint8_t *buf;      /* caller's buffer */
    size_t cap;        /* bytes a notification may carry: mtu - 3 (at most the buffer's size) */
    size_t len;        /* bytes packed so far */
    uint16_t n_frames; /* frames packed so far */
    uint16_t n_data;   /* of which data frames (IMU6, INSOLE): lost together if the notification is */
} ff_notify_t;

enum ff_notify_result {
    FF_NOTIFY_ADDED = 1,   /* the frame is in the buffer */
    FF_NOTIFY_FULL = 0,    /* it does not fit behind what is there: send the buffer, clear, add again */
    FF_NOTIFY_TOO_BIG = -1 /* it would not fit an empty buffer either: it cannot go over this link */
};

/* Start with an empty buffer of cap bytes (mtu - 3). */
void ff_notify_init(ff_notify_t *n, uint8_t *buf, size_t cap);
/* Empty the buffer after it was sent (or lost); cap stays. */
void ff_notify_clear(ff_notify_t *n);
/* Append COBS(frame) 0x00 of a complete frame (with CRC). On FF_NOTIFY_FULL
 * and FF_NOTIFY_TOO_BIG the packed bytes are unchanged. */
int ff_notify_add(ff_notify_t *n, const uint8_t *frame, size_t frame_len);

/* Running Speed and Cadence service (0x1814), RSC Measurement (0x2A53):
 * flags u8 (bit 0 stride length present, bit 1 total distance present,
 * bit 2 running), speed u16 in 1/256 m/s, cadence u8 per minute, then the
 * stride length u16 in 1/100 m and the total distance u32 in 1/10 m when
 * flagged. Speed and cadence are mandatory fields: a sensor without a speed
 * estimate sends 0 (see ff_rsc_measure). */
#define FF_RSC_FLAG_STRIDE 0x01u
#define FF_RSC_FLAG_DISTANCE 0x02u
#define FF_RSC_FLAG_RUNNING 0x04u
#define FF_RSC_MAX_LEN 10u

typedef struct {
    uint16_t speed;       /* 1/256 m/s */
    uint8_t cadence;      /* foot falls (of both feet) per minute */
    uint8_t has_stride;   /* the stride length field is sent */
    uint16_t stride;      /* 1/100 m: contact to next contact of the same foot */
    uint8_t has_distance; /* the total distance field is sent */
    uint32_t distance;    /* 1/10 m */
    uint8_t running;      /* the walking (0) / running (1) bit */
} ff_rsc_t;

/* The RSC Measurement value of m: 4, 6, 8 or 10 bytes; 0 if cap is too small.
 * The flags are those of the fields m gives. */
size_t ff_rsc_encode(uint8_t *buf, size_t cap, const ff_rsc_t *m);

/* RSC values from what one foot's sensor measures: the times of this foot's
 * ground contacts and, when the firmware has one, each stride's length.
 * Cadence counts foot falls of both feet: 2 x 60 / stride time. Speed is
 * stride length / stride time, and only when the last stride's length was
 * given; otherwise speed 0 and no stride length field. Total distance is
 * the sum of the stride lengths, sent only while every stride since the
 * start had one (a sum with a stride missing would be short). */
#define FF_RSC_STOPPED_US 2000000u /* no contact for this long: cadence and speed 0 */

typedef struct {
    uint64_t last_us;      /* time of the last contact */
    uint8_t have_last;     /* a contact was seen */
    uint32_t stride_us;    /* last stride time, 0 when unknown */
    uint32_t stride_mm;    /* its length, 0 when unknown */
    uint64_t distance_mm;  /* sum of the stride lengths */
    uint8_t distance_ok;   /* every stride so far had a length */
    uint32_t n_strides;    /* strides seen */
} ff_rsc_tracker_t;

void ff_rsc_tracker_init(ff_rsc_tracker_t *t);
/* A ground contact of this foot at t_us (device time). stride_mm is the
 * length of the stride that ends here, 0 when unknown. A contact more than
 * FF_RSC_STOPPED_US after the previous one, or earlier than it, ends no
 * stride (and stops the total distance, which can no longer be known). */
void ff_rsc_contact(ff_rsc_tracker_t *t, uint64_t t_us, uint32_t stride_mm);
/* The measurement to send at now_us; running is the walking/running bit as
 * the caller knows it (0 when it does not). */
void ff_rsc_measure(const ff_rsc_tracker_t *t, uint64_t now_us, int running, ff_rsc_t *out);

#endif /* FF_WIRE_H */
