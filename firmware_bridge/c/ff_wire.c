/* footfall wire protocol v1: portable C99 frame encoder. See ff_wire.h and ../PROTOCOL.md. */
#include "ff_wire.h"

#include <string.h>

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    p[2] = (uint8_t)((v >> 16) & 0xFFu);
    p[3] = (uint8_t)(v >> 24);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)(v & 0xFFFFFFFFu));
    put_u32(p + 4, (uint32_t)(v >> 32));
}

static void put_f32(uint8_t *p, float v)
{
    uint32_t bits;
    /* IEEE 754 binary32 is assumed (true of every MCU footfall targets). */
    memcpy(&bits, &v, sizeof bits);
    put_u32(p, bits);
}

uint16_t ff_crc16_update(uint16_t crc, const uint8_t *data, size_t len)
{
    size_t i;
    int b;
    for (i = 0; i < len; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (b = 0; b < 8; b++) {
            if (crc & 0x8000u) {
                crc = (uint16_t)((crc << 1) ^ 0x1021u);
            } else {
                crc = (uint16_t)(crc << 1);
            }
        }
    }
    return crc;
}

uint16_t ff_crc16(const uint8_t *data, size_t len)
{
    return ff_crc16_update(0xFFFFu, data, len);
}

size_t ff_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap)
{
    size_t read = 0, write = 1, code_at = 0;
    uint8_t code = 1;
    if (out == NULL || out_cap < 1 || (len > 0 && in == NULL)) {
        return 0;
    }
    while (read < len) {
        if (in[read] == 0) {
            out[code_at] = code;
            code = 1;
            code_at = write++;
            if (write > out_cap) {
                return 0;
            }
            read++;
        } else {
            if (write >= out_cap) {
                return 0;
            }
            out[write++] = in[read++];
            code++;
            if (code == 0xFF && read < len) {
                out[code_at] = code;
                code = 1;
                code_at = write++;
                if (write > out_cap) {
                    return 0;
                }
            }
        }
    }
    out[code_at] = code;
    return write;
}

size_t ff_serial_wrap(const uint8_t *frame, size_t len, uint8_t *out, size_t out_cap)
{
    size_t n;
    if (out_cap < 2) {
        return 0;
    }
    n = ff_cobs_encode(frame, len, out, out_cap - 1);
    if (n == 0) {
        return 0;
    }
    out[n] = 0x00;
    return n + 1;
}

static size_t finish(uint8_t *buf, size_t body_len, size_t cap)
{
    uint16_t crc;
    if (body_len + FF_CRC_LEN > cap) {
        return 0;
    }
    crc = ff_crc16(buf, body_len);
    put_u16(buf + body_len, crc);
    return body_len + FF_CRC_LEN;
}

static int header(uint8_t *buf, size_t cap, size_t payload_len, uint8_t msg_type,
                  uint8_t stream_id, uint16_t sample_count, uint32_t seq, uint64_t t_first_us,
                  uint32_t period_ns)
{
    if (buf == NULL || payload_len > 0xFFFFu
        || FF_HEADER_LEN + payload_len + FF_CRC_LEN > cap
        || FF_HEADER_LEN + payload_len + FF_CRC_LEN > FF_MAX_FRAME_LEN) {
        return 0;
    }
    buf[0] = (uint8_t)FF_PROTOCOL_VERSION;
    buf[1] = msg_type;
    buf[2] = stream_id;
    buf[3] = 0;
    put_u16(buf + 4, sample_count);
    put_u16(buf + 6, (uint16_t)payload_len);
    put_u32(buf + 8, seq);
    put_u64(buf + 12, t_first_us);
    put_u32(buf + 20, period_ns);
    return 1;
}

size_t ff_encode_raw(uint8_t *buf, size_t cap, uint8_t msg_type, uint8_t stream_id,
                     uint16_t sample_count, uint32_t seq, uint64_t t_first_us,
                     uint32_t period_ns, const uint8_t *payload, uint16_t payload_len,
                     const uint8_t *extra, uint16_t extra_len)
{
    size_t body = FF_HEADER_LEN + (size_t)payload_len + (size_t)extra_len;
    if (body + FF_CRC_LEN > cap || body + FF_CRC_LEN > FF_MAX_FRAME_LEN
        || (payload_len && payload == NULL) || (extra_len && extra == NULL)) {
        return 0;
    }
    if (!header(buf, cap, payload_len, msg_type, stream_id, sample_count, seq, t_first_us,
                period_ns)) {
        return 0;
    }
    if (payload_len) {
        memcpy(buf + FF_HEADER_LEN, payload, payload_len);
    }
    if (extra_len) {
        memcpy(buf + FF_HEADER_LEN + payload_len, extra, extra_len);
    }
    return finish(buf, body, cap);
}

size_t ff_encode_imu6(uint8_t *buf, size_t cap, ff_stream_t *stream, uint64_t t_first_us,
                      uint32_t period_ns, float acc_scale, float gyr_scale,
                      const int16_t *samples, uint16_t n_samples)
{
    size_t payload_len = 8u + 12u * (size_t)n_samples;
    uint8_t *p;
    uint16_t i;
    int k;
    if (stream == NULL || (n_samples && samples == NULL)
        || !header(buf, cap, payload_len, FF_MSG_IMU6, stream->stream_id, n_samples,
                   stream->next_seq, t_first_us, period_ns)) {
        return 0;
    }
    p = buf + FF_HEADER_LEN;
    put_f32(p, acc_scale);
    put_f32(p + 4, gyr_scale);
    p += 8;
    for (i = 0; i < n_samples; i++) {
        for (k = 0; k < 6; k++) {
            put_u16(p, (uint16_t)samples[6u * i + (unsigned)k]);
            p += 2;
        }
    }
    stream->next_seq++;
    return finish(buf, FF_HEADER_LEN + payload_len, cap);
}

size_t ff_encode_insole(uint8_t *buf, size_t cap, ff_stream_t *stream, uint64_t t_first_us,
                        uint32_t period_ns, float kpa_scale, uint8_t n_cells,
                        const uint16_t *cells, uint16_t n_samples)
{
    size_t count = (size_t)n_cells * (size_t)n_samples;
    size_t payload_len = 8u + 2u * count;
    uint8_t *p;
    size_t i;
    if (stream == NULL || n_cells == 0 || n_cells > 64 || (count && cells == NULL)
        || !header(buf, cap, payload_len, FF_MSG_INSOLE, stream->stream_id, n_samples,
                   stream->next_seq, t_first_us, period_ns)) {
        return 0;
    }
    p = buf + FF_HEADER_LEN;
    p[0] = n_cells;
    p[1] = 0;
    p[2] = 0;
    p[3] = 0;
    put_f32(p + 4, kpa_scale);
    p += 8;
    for (i = 0; i < count; i++) {
        put_u16(p, cells[i]);
        p += 2;
    }
    stream->next_seq++;
    return finish(buf, FF_HEADER_LEN + payload_len, cap);
}

void ff_skip_frame(ff_stream_t *stream)
{
    if (stream != NULL) {
        stream->next_seq++;
    }
}

static size_t put_str(uint8_t *p, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > 255) {
        n = 255;
    }
    p[0] = (uint8_t)n;
    if (n) {
        memcpy(p + 1, s, n);
    }
    return n + 1;
}

static size_t str_len(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 255 ? 255 : n;
}

size_t ff_encode_device_info(uint8_t *buf, size_t cap, const ff_stream_t *stream,
                             uint64_t t_now_us, uint32_t period_ns,
                             const ff_device_info_t *info)
{
    size_t payload_len;
    uint8_t *p;
    if (stream == NULL || info == NULL) {
        return 0;
    }
    payload_len = 24u + 3u + str_len(info->name) + str_len(info->firmware)
                  + str_len(info->layout);
    if (!header(buf, cap, payload_len, FF_MSG_DEVICE_INFO, stream->stream_id, 0,
                stream->next_seq, t_now_us, period_ns)) {
        return 0;
    }
    p = buf + FF_HEADER_LEN;
    p[0] = info->kind;
    p[1] = info->side;
    p[2] = info->placement;
    p[3] = info->n_channels;
    put_u32(p + 4, info->rate_mhz);
    put_f32(p + 8, info->scale0);
    put_f32(p + 12, info->scale1);
    put_u16(p + 16, info->samples_per_frame);
    put_u16(p + 18, 0);
    put_u32(p + 20, info->boot_id);
    p += 24;
    p += put_str(p, info->name);
    p += put_str(p, info->firmware);
    p += put_str(p, info->layout);
    return finish(buf, FF_HEADER_LEN + payload_len, cap);
}

size_t ff_encode_status(uint8_t *buf, size_t cap, const ff_stream_t *stream,
                        uint64_t t_now_us, uint32_t period_ns, const ff_status_t *status)
{
    uint8_t *p;
    if (stream == NULL || status == NULL
        || !header(buf, cap, 16u, FF_MSG_STATUS, stream->stream_id, 0, stream->next_seq,
                   t_now_us, period_ns)) {
        return 0;
    }
    p = buf + FF_HEADER_LEN;
    put_u32(p, status->next_seq);
    put_u32(p + 4, status->frames_dropped);
    put_u32(p + 8, status->samples_overrun);
    put_u16(p + 12, status->battery_mv);
    p[14] = status->battery_pct;
    p[15] = status->flags;
    return finish(buf, FF_HEADER_LEN + 16u, cap);
}

uint16_t ff_imu6_samples_per_frame(size_t max_frame_len)
{
    size_t fixed = FF_HEADER_LEN + 8u + FF_CRC_LEN;
    size_t n;
    if (max_frame_len > FF_MAX_FRAME_LEN) {
        max_frame_len = FF_MAX_FRAME_LEN;
    }
    if (max_frame_len < fixed + 12u) {
        return 0;
    }
    n = (max_frame_len - fixed) / 12u;
    return (uint16_t)n;
}

uint16_t ff_insole_samples_per_frame(size_t max_frame_len, uint8_t n_cells)
{
    size_t fixed = FF_HEADER_LEN + 8u + FF_CRC_LEN;
    size_t per = 2u * (size_t)n_cells;
    if (max_frame_len > FF_MAX_FRAME_LEN) {
        max_frame_len = FF_MAX_FRAME_LEN;
    }
    if (n_cells == 0 || max_frame_len < fixed + per) {
        return 0;
    }
    return (uint16_t)((max_frame_len - fixed) / per);
}
