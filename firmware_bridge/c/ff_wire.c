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

/* ---------------------------------------------------------------------- */
/* Bluetooth LE                                                            */
/* ---------------------------------------------------------------------- */

/* Length of COBS(in) exactly as ff_cobs_encode writes it. */
static size_t cobs_encoded_len(const uint8_t *in, size_t len)
{
    size_t i, out = 1;
    unsigned code = 1;
    for (i = 0; i < len; i++) {
        out++;
        if (in[i] == 0) {
            code = 1;
        } else if (++code == 0xFFu && i + 1 < len) {
            out++;
            code = 1;
        }
    }
    return out;
}

/* Serial length of a frame of n bytes none of which is 0x00 (COBS's worst case). */
static size_t worst_serial_len(size_t n)
{
    return n == 0 ? 2u : n + 1u + (n - 1u) / 254u + 1u;
}

size_t ff_ble_max_frame_len(uint16_t mtu)
{
    size_t room, n;
    if (mtu <= FF_ATT_NOTIFY_OVERHEAD + 2u) {
        return 0;
    }
    room = (size_t)mtu - FF_ATT_NOTIFY_OVERHEAD;
    n = room - 2u;
    while (n > 0 && worst_serial_len(n) > room) {
        n--;
    }
    return n;
}

uint16_t ff_ble_samples_per_frame(uint16_t mtu, uint8_t kind, uint8_t n_cells)
{
    size_t max_len = ff_ble_max_frame_len(mtu);
    if (kind == FF_KIND_IMU) {
        return ff_imu6_samples_per_frame(max_len);
    }
    if (kind == FF_KIND_INSOLE) {
        return ff_insole_samples_per_frame(max_len, n_cells);
    }
    return 0;
}

void ff_notify_init(ff_notify_t *n, uint8_t *buf, size_t cap)
{
    if (n == NULL) {
        return;
    }
    n->buf = buf;
    n->cap = buf == NULL ? 0 : cap;
    ff_notify_clear(n);
}

void ff_notify_clear(ff_notify_t *n)
{
    if (n == NULL) {
        return;
    }
    n->len = 0;
    n->n_frames = 0;
    n->n_data = 0;
}

int ff_notify_add(ff_notify_t *n, const uint8_t *frame, size_t frame_len)
{
    size_t need, wrote;
    if (n == NULL || n->buf == NULL || frame == NULL || frame_len == 0) {
        return FF_NOTIFY_TOO_BIG;
    }
    need = cobs_encoded_len(frame, frame_len) + 1u;
    if (need > n->cap) {
        return FF_NOTIFY_TOO_BIG;
    }
    if (n->len + need > n->cap) {
        return FF_NOTIFY_FULL;
    }
    wrote = ff_serial_wrap(frame, frame_len, n->buf + n->len, n->cap - n->len);
    if (wrote != need) {
        return FF_NOTIFY_TOO_BIG; /* cannot happen: need was computed as the encoder writes */
    }
    n->len += wrote;
    n->n_frames++;
    if (frame_len > 1 && (frame[1] == FF_MSG_IMU6 || frame[1] == FF_MSG_INSOLE)) {
        n->n_data++;
    }
    return FF_NOTIFY_ADDED;
}

size_t ff_rsc_encode(uint8_t *buf, size_t cap, const ff_rsc_t *m)
{
    size_t len;
    uint8_t flags;
    if (buf == NULL || m == NULL) {
        return 0;
    }
    len = 4u + (m->has_stride ? 2u : 0u) + (m->has_distance ? 4u : 0u);
    if (len > cap) {
        return 0;
    }
    flags = (uint8_t)((m->has_stride ? FF_RSC_FLAG_STRIDE : 0u)
                      | (m->has_distance ? FF_RSC_FLAG_DISTANCE : 0u)
                      | (m->running ? FF_RSC_FLAG_RUNNING : 0u));
    buf[0] = flags;
    put_u16(buf + 1, m->speed);
    buf[3] = m->cadence;
    len = 4;
    if (m->has_stride) {
        put_u16(buf + len, m->stride);
        len += 2;
    }
    if (m->has_distance) {
        put_u32(buf + len, m->distance);
        len += 4;
    }
    return len;
}

void ff_rsc_tracker_init(ff_rsc_tracker_t *t)
{
    if (t != NULL) {
        memset(t, 0, sizeof *t);
        t->distance_ok = 1;
    }
}

void ff_rsc_contact(ff_rsc_tracker_t *t, uint64_t t_us, uint32_t stride_mm)
{
    if (t == NULL) {
        return;
    }
    if (!t->have_last || t_us <= t->last_us || t_us - t->last_us > FF_RSC_STOPPED_US) {
        if (t->have_last) {
            t->distance_ok = 0; /* how far the runner went since the last contact is unknown */
        }
        t->stride_us = 0;
        t->stride_mm = 0;
    } else {
        t->stride_us = (uint32_t)(t_us - t->last_us);
        t->stride_mm = stride_mm;
        t->n_strides++;
        if (stride_mm) {
            t->distance_mm += stride_mm;
        } else {
            t->distance_ok = 0;
        }
    }
    t->last_us = t_us;
    t->have_last = 1;
}

static uint64_t div_round(uint64_t num, uint64_t den)
{
    return (num + den / 2u) / den;
}

void ff_rsc_measure(const ff_rsc_tracker_t *t, uint64_t now_us, int running, ff_rsc_t *out)
{
    uint64_t v;
    if (out == NULL) {
        return;
    }
    memset(out, 0, sizeof *out);
    out->running = running ? 1u : 0u;
    if (t == NULL) {
        return;
    }
    if (t->have_last && t->stride_us && now_us >= t->last_us
        && now_us - t->last_us <= FF_RSC_STOPPED_US) {
        v = div_round(120000000u, t->stride_us); /* 2 foot falls per stride, per minute */
        out->cadence = (uint8_t)(v > 255u ? 255u : v);
        if (t->stride_mm) {
            v = div_round((uint64_t)t->stride_mm * 256000u, t->stride_us);
            out->speed = (uint16_t)(v > 0xFFFFu ? 0xFFFFu : v);
            v = div_round(t->stride_mm, 10u);
            out->stride = (uint16_t)(v > 0xFFFFu ? 0xFFFFu : v);
            out->has_stride = 1;
        }
    }
    if (t->distance_ok && t->n_strides > 0) {
        v = div_round(t->distance_mm, 100u);
        out->distance = (uint32_t)(v > 0xFFFFFFFFu ? 0xFFFFFFFFu : v);
        out->has_distance = 1;
    }
}
