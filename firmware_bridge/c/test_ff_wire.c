/*
 * Host tests of the footfall wire encoder, and golden frames for the decoders.
 *
 *   cc -std=c99 -Wall -Wextra -pedantic ff_wire.c test_ff_wire.c -o test_ff_wire
 *   ./test_ff_wire OUT_DIR
 *
 * Checks the CRC check value, COBS against the examples of Cheshire and Baker,
 * header offsets and buffer limits, then writes every golden frame as
 * OUT_DIR/NAME.bin (serial bytes: COBS + 0x00), all of them in order as
 * OUT_DIR/stream.bin, and the values they encode as OUT_DIR/golden.json.
 * Exit status 0 when every check passed.
 */
#include "ff_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                        \
        }                                                                      \
    } while (0)

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static void check_cobs(const uint8_t *in, size_t n, const uint8_t *want, size_t want_n)
{
    uint8_t out[600];
    size_t got = ff_cobs_encode(in, n, out, sizeof out);
    CHECK(got == want_n);
    CHECK(got == want_n && memcmp(out, want, want_n) == 0);
}

static void test_crc(void)
{
    CHECK(ff_crc16((const uint8_t *)"123456789", 9) == 0x29B1u);
    CHECK(ff_crc16((const uint8_t *)"", 0) == 0xFFFFu);
    CHECK(ff_crc16_update(ff_crc16((const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5)
          == 0x29B1u);
}

static void test_cobs(void)
{
    static const uint8_t e1[] = {0x01};
    static const uint8_t i2[] = {0x00}, e2[] = {0x01, 0x01};
    static const uint8_t i3[] = {0x00, 0x00}, e3[] = {0x01, 0x01, 0x01};
    static const uint8_t i4[] = {0x11, 0x22, 0x00, 0x33}, e4[] = {0x03, 0x11, 0x22, 0x02, 0x33};
    static const uint8_t i5[] = {0x11, 0x22, 0x33, 0x44}, e5[] = {0x05, 0x11, 0x22, 0x33, 0x44};
    static const uint8_t i6[] = {0x11, 0x00, 0x00, 0x00}, e6[] = {0x02, 0x11, 0x01, 0x01, 0x01};
    uint8_t in[256], want[260], out[8];
    size_t i;

    check_cobs(NULL, 0, e1, sizeof e1);
    check_cobs(i2, sizeof i2, e2, sizeof e2);
    check_cobs(i3, sizeof i3, e3, sizeof e3);
    check_cobs(i4, sizeof i4, e4, sizeof e4);
    check_cobs(i5, sizeof i5, e5, sizeof e5);
    check_cobs(i6, sizeof i6, e6, sizeof e6);

    /* 01 02 .. FE (254 bytes) -> FF 01 .. FE */
    for (i = 0; i < 254; i++) in[i] = (uint8_t)(i + 1);
    want[0] = 0xFF;
    memcpy(want + 1, in, 254);
    check_cobs(in, 254, want, 255);
    /* 00 01 .. FE (255 bytes) -> 01 FF 01 .. FE */
    in[0] = 0;
    for (i = 1; i < 255; i++) in[i] = (uint8_t)i;
    want[0] = 0x01;
    want[1] = 0xFF;
    for (i = 0; i < 254; i++) want[2 + i] = (uint8_t)(i + 1);
    check_cobs(in, 255, want, 256);
    /* 01 02 .. FF (255 bytes) -> FF 01 .. FE 02 FF */
    for (i = 0; i < 255; i++) in[i] = (uint8_t)(i + 1);
    want[0] = 0xFF;
    for (i = 0; i < 254; i++) want[1 + i] = (uint8_t)(i + 1);
    want[255] = 0x02;
    want[256] = 0xFF;
    check_cobs(in, 255, want, 257);
    /* 02 03 .. FF 00 (255 bytes) -> FF 02 .. FF 01 01 */
    for (i = 0; i < 254; i++) in[i] = (uint8_t)(i + 2);
    in[254] = 0;
    want[0] = 0xFF;
    for (i = 0; i < 254; i++) want[1 + i] = (uint8_t)(i + 2);
    want[255] = 0x01;
    want[256] = 0x01;
    check_cobs(in, 255, want, 257);
    /* 03 04 .. FF 00 01 (255 bytes) -> FE 03 .. FF 02 01 */
    for (i = 0; i < 253; i++) in[i] = (uint8_t)(i + 3);
    in[253] = 0;
    in[254] = 1;
    want[0] = 0xFE;
    for (i = 0; i < 253; i++) want[1 + i] = (uint8_t)(i + 3);
    want[254] = 0x02;
    want[255] = 0x01;
    check_cobs(in, 255, want, 256);

    /* too small an output buffer gives 0, never an overrun */
    CHECK(ff_cobs_encode(i5, sizeof i5, out, 4) == 0);
    CHECK(ff_cobs_encode(i5, sizeof i5, out, 5) == 5);
}

static void test_header_and_limits(void)
{
    uint8_t buf[FF_MAX_FRAME_LEN];
    int16_t s[2][6] = {{1, -2, 3, -4, 5, -6}, {7, 8, 9, 10, 11, 12}};
    ff_stream_t st = {3, 0xFFFFFFFFu};
    size_t n = ff_encode_imu6(buf, sizeof buf, &st, 0x0102030405060708ull, 2500000u, 0.5f,
                              0.25f, &s[0][0], 2);
    CHECK(n == 24u + 8u + 24u + 2u);
    CHECK(buf[0] == 1 && buf[1] == FF_MSG_IMU6 && buf[2] == 3 && buf[3] == 0);
    CHECK(get_u16(buf + 4) == 2 && get_u16(buf + 6) == 32);
    CHECK(get_u32(buf + 8) == 0xFFFFFFFFu);
    CHECK(get_u32(buf + 12) == 0x05060708u && get_u32(buf + 16) == 0x01020304u);
    CHECK(get_u32(buf + 20) == 2500000u);
    CHECK(get_u32(buf + 24) == f32_bits(0.5f) && get_u32(buf + 28) == f32_bits(0.25f));
    CHECK((int16_t)get_u16(buf + 32 + 2) == -2);
    CHECK(get_u16(buf + n - 2) == ff_crc16(buf, n - 2));
    CHECK(st.next_seq == 0); /* wrapped */
    /* a frame one byte too big for the buffer is refused and uses no number */
    CHECK(ff_encode_imu6(buf, 24u + 8u + 24u + 1u, &st, 0, 1000, 1.0f, 1.0f, &s[0][0], 2) == 0);
    CHECK(st.next_seq == 0);
    /* frames larger than FF_MAX_FRAME_LEN are refused */
    CHECK(ff_encode_imu6(buf, sizeof buf, &st, 0, 1000, 1.0f, 1.0f, NULL, 84) == 0);
    CHECK(ff_imu6_samples_per_frame(244) == 17);
    CHECK(ff_imu6_samples_per_frame(46) == 1);
    CHECK(ff_imu6_samples_per_frame(45) == 0);
    CHECK(ff_insole_samples_per_frame(244, 16) == 6);
    CHECK(ff_imu6_samples_per_frame(100000) == (FF_MAX_FRAME_LEN - 34u) / 12u);
}


static void test_ble_sizes(void)
{
    uint8_t frame[FF_MAX_FRAME_LEN], ser[FF_SERIAL_MAX_LEN(FF_MAX_FRAME_LEN)], note[FF_BLE_MAX_MTU];
    int16_t s[FF_MAX_FRAME_LEN / 12][6];
    unsigned mtu;
    size_t m, room, i, k, n;
    ff_notify_t nb;
    for (i = 0; i < sizeof frame; i++) frame[i] = 0x01; /* no zero byte: COBS's worst case */
    for (i = 0; i < FF_MAX_FRAME_LEN / 12; i++)
        for (k = 0; k < 6; k++) s[i][k] = 0x0101;
    for (mtu = 23; mtu <= FF_BLE_MAX_MTU; mtu++) {
        room = mtu - FF_ATT_NOTIFY_OVERHEAD;
        m = ff_ble_max_frame_len((uint16_t)mtu);
        if (m > 0) {
            n = ff_serial_wrap(frame, m, ser, sizeof ser);
            CHECK(n > 0 && n <= room);
        }
        n = ff_serial_wrap(frame, m + 1, ser, sizeof ser);
        CHECK(n > room);
        CHECK(ff_ble_samples_per_frame((uint16_t)mtu, FF_KIND_IMU, 0) == ff_imu6_samples_per_frame(m));
        CHECK(ff_ble_samples_per_frame((uint16_t)mtu, FF_KIND_INSOLE, 16)
              == ff_insole_samples_per_frame(m, 16));
        CHECK((ff_ble_samples_per_frame((uint16_t)mtu, FF_KIND_IMU, 0) > 0) == (mtu >= FF_BLE_MIN_MTU));
        /* a full IMU frame of this MTU goes into one empty notification */
        if (mtu >= FF_BLE_MIN_MTU) {
            ff_stream_t st = {0, 0};
            uint16_t spf = ff_ble_samples_per_frame((uint16_t)mtu, FF_KIND_IMU, 0);
            n = ff_encode_imu6(frame + 0, sizeof frame, &st, 0x0101010101010101ull, 0x01010101u,
                               1.0f, 1.0f, &s[0][0], spf);
            CHECK(n > 0);
            ff_notify_init(&nb, note, room);
            CHECK(ff_notify_add(&nb, frame, n) == FF_NOTIFY_ADDED);
            for (i = 0; i < sizeof frame; i++) frame[i] = 0x01;
        }
    }
    CHECK(ff_ble_max_frame_len(247) == 242);
    CHECK(ff_ble_samples_per_frame(247, FF_KIND_IMU, 0) == 17);
    CHECK(ff_ble_samples_per_frame(247, FF_KIND_INSOLE, 16) == 6);
    CHECK(ff_ble_samples_per_frame(50, FF_KIND_IMU, 0) == 0);
    CHECK(ff_ble_samples_per_frame(23, FF_KIND_IMU, 0) == 0);
    CHECK(ff_ble_samples_per_frame(247, 7, 16) == 0);
    CHECK(ff_ble_max_frame_len(0) == 0 && ff_ble_max_frame_len(5) == 0);
}

static void test_notify(void)
{
    uint8_t frame[FF_MAX_FRAME_LEN], note[64];
    ff_notify_t nb;
    ff_stream_t st = {0, 0};
    int16_t s[6] = {1, 2, 3, 4, 5, 6};
    ff_device_info_t info = {FF_KIND_IMU, FF_SIDE_LEFT, FF_PLACEMENT_FOOT, 6, 416000u, 1.0f,
                             1.0f, 1, 1u, "ff-left-foot", "ref-0.1", ""};
    size_t n = ff_encode_imu6(frame, sizeof frame, &st, 0, 2403846u, 1.0f, 1.0f, s, 1);
    CHECK(n == 46);
    ff_notify_init(&nb, note, 48); /* MTU 51 */
    CHECK(ff_notify_add(&nb, frame, n) == FF_NOTIFY_ADDED);
    CHECK(nb.len == 48 && nb.n_frames == 1 && nb.n_data == 1 && note[47] == 0x00);
    CHECK(ff_notify_add(&nb, frame, n) == FF_NOTIFY_FULL);
    CHECK(nb.len == 48 && nb.n_frames == 1);
    ff_notify_clear(&nb);
    CHECK(nb.len == 0 && nb.n_frames == 0 && nb.n_data == 0 && nb.cap == 48);
    /* a DEVICE_INFO needs more than a notification of MTU 51 carries */
    n = ff_encode_device_info(frame, sizeof frame, &st, 0, 2403846u, &info);
    CHECK(n == 24u + 27u + 12u + 7u + 2u);
    CHECK(ff_notify_add(&nb, frame, n) == FF_NOTIFY_TOO_BIG);
    CHECK(nb.len == 0 && nb.n_frames == 0);
    ff_notify_init(&nb, note, sizeof note);
    CHECK(ff_notify_add(&nb, frame, n) == FF_NOTIFY_TOO_BIG);
    CHECK(ff_notify_add(&nb, NULL, 10) == FF_NOTIFY_TOO_BIG);
    CHECK(ff_notify_add(&nb, frame, 0) == FF_NOTIFY_TOO_BIG);
}

static void test_rsc(void)
{
    uint8_t b[FF_RSC_MAX_LEN];
    ff_rsc_t m = {770u, 172u, 1u, 210u, 1u, 0x01020304u, 1u};
    ff_rsc_tracker_t t;
    static const uint8_t want[10] = {0x07, 0x02, 0x03, 172, 210, 0, 4, 3, 2, 1};
    CHECK(ff_rsc_encode(b, sizeof b, &m) == 10 && memcmp(b, want, 10) == 0);
    CHECK(ff_rsc_encode(b, 9, &m) == 0);
    m.has_distance = 0;
    CHECK(ff_rsc_encode(b, 6, &m) == 6 && b[0] == 0x05);
    m.has_stride = 0;
    m.running = 0;
    CHECK(ff_rsc_encode(b, 4, &m) == 4 && b[0] == 0x00);

    ff_rsc_tracker_init(&t);
    ff_rsc_measure(&t, 0, 0, &m);
    CHECK(m.cadence == 0 && m.speed == 0 && !m.has_stride && !m.has_distance);
    ff_rsc_contact(&t, 1000000u, 2000u); /* the first contact ends no stride */
    ff_rsc_measure(&t, 1100000u, 1, &m);
    CHECK(m.cadence == 0 && m.speed == 0 && !m.has_stride && !m.has_distance && m.running);
    ff_rsc_contact(&t, 1750000u, 2000u); /* 750 ms, 2.000 m: 160 /min, 2.667 m/s */
    ff_rsc_measure(&t, 1800000u, 1, &m);
    CHECK(m.cadence == 160 && m.speed == 683 && m.has_stride && m.stride == 200);
    CHECK(m.has_distance && m.distance == 20);
    ff_rsc_contact(&t, 2500000u, 0); /* no length for this stride: no speed, distance stops */
    ff_rsc_measure(&t, 2600000u, 1, &m);
    CHECK(m.cadence == 160 && m.speed == 0 && !m.has_stride && !m.has_distance);
    ff_rsc_measure(&t, 2500000u + FF_RSC_STOPPED_US + 1u, 1, &m); /* stopped */
    CHECK(m.cadence == 0 && m.speed == 0);
    ff_rsc_contact(&t, 3100000u, 2000u);
    ff_rsc_measure(&t, 3100000u, 0, &m);
    CHECK(m.cadence == 200 && m.speed == 853 && !m.has_distance); /* 600 ms */
    ff_rsc_contact(&t, 9100000u, 2000u); /* after a stop: ends no stride */
    ff_rsc_measure(&t, 9100000u, 0, &m);
    CHECK(m.cadence == 0 && m.speed == 0);
    ff_rsc_contact(&t, 9150000u, 20000u); /* 50 ms, 20 m: 2400 /min, 400 m/s fit no field */
    ff_rsc_measure(&t, 9150000u, 0, &m);
    CHECK(m.cadence == 255 && m.speed == 0xFFFFu && m.stride == 2000u);
}

/* ---------------------------------------------------------------------- */
/* golden frames                                                           */
/* ---------------------------------------------------------------------- */

static FILE *json;
static FILE *all;
static const char *outdir;
static int n_golden = 0;

static void emit(const char *name, const uint8_t *frame, size_t len, const char *fields)
{
    uint8_t ser[FF_SERIAL_MAX_LEN(FF_MAX_FRAME_LEN)];
    char path[1024];
    size_t n;
    FILE *f;
    CHECK(len > 0);
    n = ff_serial_wrap(frame, len, ser, sizeof ser);
    CHECK(n > 0 && ser[n - 1] == 0x00 && memchr(ser, 0, n - 1) == NULL);
    snprintf(path, sizeof path, "%s/%s.bin", outdir, name);
    f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fwrite(ser, 1, n, f);
    fclose(f);
    fwrite(ser, 1, n, all);
    fprintf(json, "%s\n    {\"name\": \"%s\", \"frame_len\": %u, \"crc\": %u, %s}",
            n_golden ? "," : "", name, (unsigned)len, (unsigned)get_u16(frame + len - 2), fields);
    n_golden++;
}

static void golden(void)
{
    uint8_t buf[FF_MAX_FRAME_LEN];
    char fields[8192];
    size_t len, pos;
    int i, k;
    const float acc_scale = (float)(16.0 * 9.80665 / 32768.0);
    const float gyr_scale = (float)(2000.0 / 32768.0 * 3.14159265358979323846 / 180.0);
    const float kpa_scale = 0.1f;
    ff_stream_t left = {0, 0}, right = {1, 70000u}, insole = {2, 5};

    /* 1. IMU block with the int16 extremes */
    {
        int16_t s[3][6] = {{-32768, 32767, 0, -1, 1, 2048},
                           {100, -100, 4096, 0, 0, 0},
                           {32767, -32768, -4096, 12, -12, 30000}};
        len = ff_encode_imu6(buf, sizeof buf, &left, 1000000ull, 2500000u, acc_scale,
                             gyr_scale, &s[0][0], 3);
        pos = (size_t)snprintf(fields, sizeof fields,
                 "\"msg_type\": 16, \"stream_id\": 0, \"seq\": 0, \"t_first_us\": 1000000, "
                 "\"period_ns\": 2500000, \"sample_count\": 3, \"acc_scale_bits\": %lu, "
                 "\"gyr_scale_bits\": %lu, \"raw\": [",
                 (unsigned long)f32_bits(acc_scale), (unsigned long)f32_bits(gyr_scale));
        for (i = 0; i < 3; i++)
            for (k = 0; k < 6; k++)
                pos += (size_t)snprintf(fields + pos, sizeof fields - pos, "%s%d",
                                        (i || k) ? ", " : "", s[i][k]);
        snprintf(fields + pos, sizeof fields - pos, "]");
        emit("imu_basic", buf, len, fields);
    }
    /* 2. long IMU block: several COBS blocks, 64-bit time, seq above 16 bits */
    {
        int16_t s[20][6];
        for (i = 0; i < 20; i++)
            for (k = 0; k < 6; k++)
                s[i][k] = (int16_t)(0x0101 * (1 + ((i * 6 + k) % 120)) - 7000);
        len = ff_encode_imu6(buf, sizeof buf, &right, 1099511627781ull, 1000000u, acc_scale,
                             gyr_scale, &s[0][0], 20);
        pos = (size_t)snprintf(fields, sizeof fields,
                 "\"msg_type\": 16, \"stream_id\": 1, \"seq\": 70000, "
                 "\"t_first_us\": 1099511627781, \"period_ns\": 1000000, \"sample_count\": 20, "
                 "\"acc_scale_bits\": %lu, \"gyr_scale_bits\": %lu, \"raw\": [",
                 (unsigned long)f32_bits(acc_scale), (unsigned long)f32_bits(gyr_scale));
        for (i = 0; i < 20; i++)
            for (k = 0; k < 6; k++)
                pos += (size_t)snprintf(fields + pos, sizeof fields - pos, "%s%d",
                                        (i || k) ? ", " : "", s[i][k]);
        snprintf(fields + pos, sizeof fields - pos, "]");
        emit("imu_long", buf, len, fields);
    }
    /* 3. 16-cell insole, two samples */
    {
        uint16_t c[32];
        for (i = 0; i < 32; i++) c[i] = (uint16_t)(i * 997u);
        c[0] = 0;
        c[5] = 65535u;
        c[31] = 256u;
        len = ff_encode_insole(buf, sizeof buf, &insole, 123456789ull, 10000000u, kpa_scale, 16,
                               c, 2);
        pos = (size_t)snprintf(fields, sizeof fields,
                 "\"msg_type\": 17, \"stream_id\": 2, \"seq\": 5, \"t_first_us\": 123456789, "
                 "\"period_ns\": 10000000, \"sample_count\": 2, \"n_cells\": 16, "
                 "\"kpa_scale_bits\": %lu, \"raw\": [", (unsigned long)f32_bits(kpa_scale));
        for (i = 0; i < 32; i++)
            pos += (size_t)snprintf(fields + pos, sizeof fields - pos, "%s%u", i ? ", " : "",
                                    (unsigned)c[i]);
        snprintf(fields + pos, sizeof fields - pos, "]");
        emit("insole16", buf, len, fields);
    }
    /* 4. device info of an IMU and of an insole */
    {
        ff_device_info_t info = {FF_KIND_IMU, FF_SIDE_LEFT, FF_PLACEMENT_FOOT, 6, 400000u,
                                 0.0f, 0.0f, 17, 0xDEADBEEFu, "ff-left-foot", "1.2.3", ""};
        info.scale0 = acc_scale;
        info.scale1 = gyr_scale;
        len = ff_encode_device_info(buf, sizeof buf, &left, 2000000ull, 2500000u, &info);
        snprintf(fields, sizeof fields,
                 "\"msg_type\": 1, \"stream_id\": 0, \"seq\": 1, \"t_first_us\": 2000000, "
                 "\"period_ns\": 2500000, \"sample_count\": 0, \"kind\": 0, \"side\": 0, "
                 "\"placement\": 0, \"n_channels\": 6, \"rate_mhz\": 400000, "
                 "\"scale0_bits\": %lu, \"scale1_bits\": %lu, \"samples_per_frame\": 17, "
                 "\"boot_id\": 3735928559, \"device_name\": \"ff-left-foot\", \"firmware\": \"1.2.3\", "
                 "\"layout\": \"\"",
                 (unsigned long)f32_bits(acc_scale), (unsigned long)f32_bits(gyr_scale));
        emit("info_imu", buf, len, fields);
    }
    {
        ff_device_info_t info = {FF_KIND_INSOLE, FF_SIDE_RIGHT, FF_PLACEMENT_NONE, 16, 100000u,
                                 0.1f, 0.0f, 6, 42u, "ff-right-insole", "0.9", "sim16"};
        len = ff_encode_device_info(buf, sizeof buf, &insole, 3000000ull, 10000000u, &info);
        snprintf(fields, sizeof fields,
                 "\"msg_type\": 1, \"stream_id\": 2, \"seq\": 6, \"t_first_us\": 3000000, "
                 "\"period_ns\": 10000000, \"sample_count\": 0, \"kind\": 1, \"side\": 1, "
                 "\"placement\": 255, \"n_channels\": 16, \"rate_mhz\": 100000, "
                 "\"scale0_bits\": %lu, \"scale1_bits\": 0, \"samples_per_frame\": 6, "
                 "\"boot_id\": 42, \"device_name\": \"ff-right-insole\", \"firmware\": \"0.9\", "
                 "\"layout\": \"sim16\"", (unsigned long)f32_bits(0.1f));
        emit("info_insole", buf, len, fields);
    }
    /* 5. status */
    {
        ff_status_t st = {42u, 3u, 1u, 3900u, 87u, 1u};
        len = ff_encode_status(buf, sizeof buf, &left, 4000000ull, 2500000u, &st);
        snprintf(fields, sizeof fields,
                 "\"msg_type\": 2, \"stream_id\": 0, \"seq\": 1, \"t_first_us\": 4000000, "
                 "\"period_ns\": 2500000, \"sample_count\": 0, \"next_seq\": 42, "
                 "\"frames_dropped\": 3, \"samples_overrun\": 1, \"battery_mv\": 3900, "
                 "\"battery_pct\": 87, \"flags\": 1");
        emit("status", buf, len, fields);
    }
    /* 6. an unknown message type: decoders skip it */
    {
        static const uint8_t payload[5] = {9, 8, 7, 0, 6};
        len = ff_encode_raw(buf, sizeof buf, 0x7F, 0, 0, 77u, 5000000ull, 0, payload, 5, NULL, 0);
        snprintf(fields, sizeof fields,
                 "\"msg_type\": 127, \"stream_id\": 0, \"seq\": 77, \"t_first_us\": 5000000, "
                 "\"period_ns\": 0, \"sample_count\": 0");
        emit("unknown_type", buf, len, fields);
    }
    /* 7. an IMU block with extension bytes before the CRC, after a skipped frame */
    {
        uint8_t payload[8 + 24];
        int16_t s[2][6] = {{1, 2, 3, 4, 5, 6}, {-1, -2, -3, -4, -5, -6}};
        static const uint8_t extra[4] = {0xAA, 0x00, 0xBB, 0x00};
        uint32_t a = f32_bits(acc_scale), g = f32_bits(gyr_scale);
        ff_skip_frame(&left);
        for (k = 0; k < 4; k++) {
            payload[k] = (uint8_t)(a >> (8 * k));
            payload[4 + k] = (uint8_t)(g >> (8 * k));
        }
        for (i = 0; i < 2; i++)
            for (k = 0; k < 6; k++) {
                payload[8 + 12 * i + 2 * k] = (uint8_t)((uint16_t)s[i][k] & 0xFF);
                payload[8 + 12 * i + 2 * k + 1] = (uint8_t)((uint16_t)s[i][k] >> 8);
            }
        len = ff_encode_raw(buf, sizeof buf, FF_MSG_IMU6, 0, 2, left.next_seq, 1010000ull,
                            2500000u, payload, sizeof payload, extra, sizeof extra);
        left.next_seq++;
        snprintf(fields, sizeof fields,
                 "\"msg_type\": 16, \"stream_id\": 0, \"seq\": 2, \"t_first_us\": 1010000, "
                 "\"period_ns\": 2500000, \"sample_count\": 2, \"acc_scale_bits\": %lu, "
                 "\"gyr_scale_bits\": %lu, \"raw\": [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]",
                 (unsigned long)a, (unsigned long)g);
        emit("imu_extension", buf, len, fields);
    }
}

/* ---------------------------------------------------------------------- */
/* golden BLE values: sizes per MTU, RSC measurements, packed notifications */
/* ---------------------------------------------------------------------- */

static void hex_of(char *out, const uint8_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

static int n_rsc = 0;

static void rsc_case(const char *name, const ff_rsc_t *m, const char *extra)
{
    uint8_t b[FF_RSC_MAX_LEN];
    char hex[2 * FF_RSC_MAX_LEN + 1], stride[16], dist[16];
    size_t n = ff_rsc_encode(b, sizeof b, m);
    CHECK(n == 4u + (m->has_stride ? 2u : 0u) + (m->has_distance ? 4u : 0u));
    hex_of(hex, b, n);
    if (m->has_stride) snprintf(stride, sizeof stride, "%u", (unsigned)m->stride);
    else snprintf(stride, sizeof stride, "null");
    if (m->has_distance) snprintf(dist, sizeof dist, "%lu", (unsigned long)m->distance);
    else snprintf(dist, sizeof dist, "null");
    fprintf(json, "%s\n    {\"name\": \"%s\", \"hex\": \"%s\", \"flags\": %u, \"speed_raw\": %u, "
                  "\"cadence\": %u, \"stride_raw\": %s, \"distance_raw\": %s, \"running\": %s%s}",
            n_rsc ? "," : "", name, hex, (unsigned)b[0], (unsigned)m->speed,
            (unsigned)m->cadence, stride, dist, m->running ? "true" : "false", extra);
    n_rsc++;
}

/* contacts: pairs (t_us, stride_mm); measured at now_us */
static void rsc_tracked(const char *name, const uint32_t (*c)[2], int n, uint32_t now_us,
                        int running)
{
    ff_rsc_tracker_t t;
    ff_rsc_t m;
    char extra[1024];
    size_t pos;
    int i;
    ff_rsc_tracker_init(&t);
    pos = (size_t)snprintf(extra, sizeof extra, ", \"now_us\": %lu, \"contacts\": [",
                           (unsigned long)now_us);
    for (i = 0; i < n; i++) {
        ff_rsc_contact(&t, c[i][0], c[i][1]);
        pos += (size_t)snprintf(extra + pos, sizeof extra - pos, "%s[%lu, %lu]", i ? ", " : "",
                                (unsigned long)c[i][0], (unsigned long)c[i][1]);
    }
    snprintf(extra + pos, sizeof extra - pos, "]");
    ff_rsc_measure(&t, now_us, running, &m);
    rsc_case(name, &m, extra);
}

#define MAX_NOTES 16
#define MAX_NOTE_FRAMES 8

typedef struct {
    uint16_t mtu;
    ff_notify_t nb;
    uint8_t buf[FF_BLE_MAX_MTU];
    FILE *f;
    int n_notes;
    size_t len[MAX_NOTES];
    int n_frames[MAX_NOTES];
    unsigned meta[MAX_NOTES][MAX_NOTE_FRAMES][4]; /* msg_type, stream_id, seq, sample_count */
} packsim_t;

static void sim_flush(packsim_t *p)
{
    if (p->nb.len == 0) return;
    CHECK(p->n_notes < MAX_NOTES);
    CHECK(p->nb.buf[p->nb.len - 1] == 0x00);
    fwrite(p->nb.buf, 1, p->nb.len, p->f);
    p->len[p->n_notes] = p->nb.len;
    CHECK(p->nb.n_frames == p->n_frames[p->n_notes]);
    p->n_notes++;
    ff_notify_clear(&p->nb);
}

static void sim_push(packsim_t *p, const uint8_t *frame, size_t len)
{
    int r = ff_notify_add(&p->nb, frame, len);
    int k;
    CHECK(len > 0);
    if (r == FF_NOTIFY_FULL) {
        sim_flush(p);
        r = ff_notify_add(&p->nb, frame, len);
    }
    CHECK(r == FF_NOTIFY_ADDED);
    if (r != FF_NOTIFY_ADDED) return;
    k = p->n_frames[p->n_notes]++;
    CHECK(k < MAX_NOTE_FRAMES);
    p->meta[p->n_notes][k][0] = frame[1];
    p->meta[p->n_notes][k][1] = frame[2];
    p->meta[p->n_notes][k][2] = get_u32(frame + 8);
    p->meta[p->n_notes][k][3] = get_u16(frame + 4);
}

static void sim_open(packsim_t *p, uint16_t mtu)
{
    char path[1024];
    memset(p, 0, sizeof *p);
    p->mtu = mtu;
    ff_notify_init(&p->nb, p->buf, (size_t)mtu - FF_ATT_NOTIFY_OVERHEAD);
    snprintf(path, sizeof path, "%s/notify_%u.bin", outdir, (unsigned)mtu);
    p->f = fopen(path, "wb");
    if (p->f == NULL) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

static void sim_close(packsim_t *p, int first)
{
    int i, k;
    sim_flush(p);
    fclose(p->f);
    fprintf(json, "%s\n    {\"mtu\": %u, \"file\": \"notify_%u.bin\", \"lengths\": [",
            first ? "" : ",", (unsigned)p->mtu, (unsigned)p->mtu);
    for (i = 0; i < p->n_notes; i++) fprintf(json, "%s%u", i ? ", " : "", (unsigned)p->len[i]);
    fprintf(json, "], \"frames\": [");
    for (i = 0; i < p->n_notes; i++) {
        fprintf(json, "%s[", i ? ", " : "");
        for (k = 0; k < p->n_frames[i]; k++)
            fprintf(json, "%s[%u, %u, %u, %u]", k ? ", " : "", p->meta[i][k][0], p->meta[i][k][1],
                    p->meta[i][k][2], p->meta[i][k][3]);
        fprintf(json, "]");
    }
    fprintf(json, "]}");
}

static void golden_ble(void)
{
    static packsim_t sim;
    uint8_t frame[FF_MAX_FRAME_LEN];
    int16_t s[17][6];
    uint16_t cells[6 * 16];
    unsigned mtu;
    size_t len;
    int i, k;
    const float acc_scale = 0.488e-3f * 9.80665f, gyr_scale = 70e-3f * 3.14159265f / 180.0f;

    fprintf(json, ",\n  \"ble_sizes\": [");
    for (mtu = 23; mtu <= FF_BLE_MAX_MTU; mtu++)
        fprintf(json, "%s[%u, %u, %u, %u]", mtu > 23 ? ", " : "", mtu,
                (unsigned)ff_ble_max_frame_len((uint16_t)mtu),
                (unsigned)ff_ble_samples_per_frame((uint16_t)mtu, FF_KIND_IMU, 0),
                (unsigned)ff_ble_samples_per_frame((uint16_t)mtu, FF_KIND_INSOLE, 16));
    fprintf(json, "]");

    fprintf(json, ",\n  \"rsc\": [");
    {
        ff_rsc_t a = {0u, 172u, 0u, 0u, 0u, 0u, 0u};      /* no speed estimate */
        ff_rsc_t b = {770u, 172u, 1u, 210u, 0u, 0u, 1u};  /* stride, running */
        ff_rsc_t c = {300u, 90u, 0u, 0u, 1u, 12345u, 0u}; /* distance only */
        ff_rsc_t d = {65535u, 255u, 1u, 65535u, 1u, 4294967295u, 1u};
        static const uint32_t with_len[3][2] = {{1000000u, 0u}, {1698000u, 2100u},
                                                {2400000u, 2140u}};
        static const uint32_t without_len[3][2] = {{1000000u, 0u}, {1698000u, 0u},
                                                   {2400000u, 0u}};
        rsc_case("no_speed", &a, "");
        rsc_case("stride_running", &b, "");
        rsc_case("distance_only", &c, "");
        rsc_case("all_max", &d, "");
        rsc_tracked("tracked_with_stride_length", with_len, 3, 2700000u, 1);
        rsc_tracked("tracked_without_stride_length", without_len, 3, 2700000u, 1);
        rsc_tracked("tracked_stopped", with_len, 3, 2400000u + FF_RSC_STOPPED_US + 1u, 0);
    }
    fprintf(json, "\n  ]");

    /* notifications at MTU 247: DEVICE_INFO, data, STATUS, a skipped frame */
    fprintf(json, ",\n  \"notifications\": [");
    for (i = 0; i < 17; i++)
        for (k = 0; k < 6; k++) s[i][k] = (int16_t)(i * 1000 - k * 333);
    for (i = 0; i < 6 * 16; i++) cells[i] = (uint16_t)(i * 41u);
    {
        ff_stream_t imu = {0, 0}, ins = {1, 0};
        ff_status_t st = {0u, 0u, 0u, 0u, 0xFFu, 1u};
        ff_device_info_t ii = {FF_KIND_IMU, FF_SIDE_LEFT, FF_PLACEMENT_FOOT, 6, 416000u, 0.0f,
                               0.0f, 0, 7u, "ff-left-foot", "ref-0.1", ""};
        ff_device_info_t is = {FF_KIND_INSOLE, FF_SIDE_LEFT, FF_PLACEMENT_NONE, 16, 100000u,
                               0.1f, 0.0f, 0, 7u, "ff-left-insole", "ref-0.1", "fsr16"};
        uint16_t spf_imu = ff_ble_samples_per_frame(247, FF_KIND_IMU, 0);
        uint16_t spf_ins = ff_ble_samples_per_frame(247, FF_KIND_INSOLE, 16);
        ii.scale0 = acc_scale;
        ii.scale1 = gyr_scale;
        ii.samples_per_frame = spf_imu;
        is.samples_per_frame = spf_ins;
        sim_open(&sim, 247);
        len = ff_encode_device_info(frame, sizeof frame, &imu, 1000u, 2403846u, &ii);
        sim_push(&sim, frame, len);
        len = ff_encode_device_info(frame, sizeof frame, &ins, 1000u, 10000000u, &is);
        sim_push(&sim, frame, len);
        len = ff_encode_imu6(frame, sizeof frame, &imu, 2000u, 2403846u, acc_scale, gyr_scale,
                             &s[0][0], spf_imu);
        sim_push(&sim, frame, len);
        len = ff_encode_insole(frame, sizeof frame, &ins, 2000u, 10000000u, 0.1f, 16, cells,
                               spf_ins);
        sim_push(&sim, frame, len);
        st.next_seq = imu.next_seq;
        len = ff_encode_status(frame, sizeof frame, &imu, 50000u, 2403846u, &st);
        sim_push(&sim, frame, len);
        ff_skip_frame(&imu); /* generated while the stack had no buffer: seq 1 is a gap */
        len = ff_encode_imu6(frame, sizeof frame, &imu, 83000u, 2403846u, acc_scale, gyr_scale,
                             &s[0][0], 5);
        sim_push(&sim, frame, len);
        len = ff_encode_imu6(frame, sizeof frame, &imu, 95000u, 2403846u, acc_scale, gyr_scale,
                             &s[0][0], spf_imu);
        sim_push(&sim, frame, len);
        sim_close(&sim, 1);
    }
    /* notifications at MTU 51: one 1-sample IMU frame fills one exactly */
    {
        ff_stream_t imu = {0, 40u};
        sim_open(&sim, 51);
        for (i = 0; i < 3; i++) {
            len = ff_encode_imu6(frame, sizeof frame, &imu, 1000000u + 2404u * (unsigned)i,
                                 2403846u, acc_scale, gyr_scale, &s[i][0], 1);
            sim_push(&sim, frame, len);
        }
        CHECK(sim.nb.len == 48);
        sim_close(&sim, 0);
    }
    fprintf(json, "\n  ]");
}

int main(int argc, char **argv)
{
    char path[1024];
    test_crc();
    test_cobs();
    test_header_and_limits();
    test_ble_sizes();
    test_notify();
    test_rsc();
    if (argc > 1) {
        outdir = argv[1];
        snprintf(path, sizeof path, "%s/golden.json", outdir);
        json = fopen(path, "w");
        snprintf(path, sizeof path, "%s/stream.bin", outdir);
        all = fopen(path, "wb");
        if (json == NULL || all == NULL) {
            fprintf(stderr, "cannot write golden files into %s\n", outdir);
            return 2;
        }
        fprintf(json, "{\n  \"protocol_version\": %u,\n  \"crc_check_123456789\": %u,\n"
                      "  \"frames\": [", FF_PROTOCOL_VERSION,
                (unsigned)ff_crc16((const uint8_t *)"123456789", 9));
        golden();
        fprintf(json, "\n  ]");
        golden_ble();
        fprintf(json, "\n}\n");
        fclose(json);
        fclose(all);
    }
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ff_wire: all checks passed%s%s\n", argc > 1 ? "; golden frames in " : "",
           argc > 1 ? argv[1] : "");
    return 0;
}
