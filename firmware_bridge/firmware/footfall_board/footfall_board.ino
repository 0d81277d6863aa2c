// footfall reference firmware: one foot, an LSM6DSO IMU and a 16-cell FSR insole,
// streamed over USB CDC in the footfall wire protocol (../../PROTOCOL.md).
//
// Board: ESP32-S3 DevKitC-1 (Arduino core 2.x, "USB CDC On Boot: Enabled").
// Not compiled by footfall's CI: it needs the Arduino toolchain and the board.
// Build: copy ../../c/ff_wire.h and ../../c/ff_wire.c next to this file.
//
// IMU: LSM6DSO on I2C at 0x6B, 416 Hz output data rate, +-16 g, +-2000 dps,
// read sample by sample on its data-ready interrupt (INT1). The sample time is
// the ESP32's microsecond clock at the interrupt.
// Insole: 16 FSRs, each in a divider with 10 kOhm to 3.3 V, selected by a
// CD74HC4067 multiplexer whose common pin goes to one ADC input; 100 Hz.

#include <Arduino.h>
#include <Wire.h>
#include <esp_random.h>

extern "C" {
#include "ff_wire.h"
}

// ---- pins (see README.md) ----
static const int PIN_SDA = 8, PIN_SCL = 9, PIN_IMU_INT1 = 10;
static const int PIN_MUX_S[4] = {4, 5, 6, 7};
static const int PIN_MUX_SIG = 1;  // ADC1_CH0

// ---- device description ----
static const char *NAME = "ff-left-foot";   // change per board: ff-right-foot ...
static const uint8_t SIDE = FF_SIDE_LEFT;
static const char *FIRMWARE = "ref-0.1";
static const uint32_t IMU_RATE_MHZ = 416000;  // 416 Hz
static const uint32_t IMU_PERIOD_NS = 2403846; // 1e9 / 416
static const uint32_t INSOLE_PERIOD_NS = 10000000;
static const uint8_t N_CELLS = 16;
// +-16 g: 0.488 mg/LSB; +-2000 dps: 70 mdps/LSB (LSM6DSO datasheet, table 3)
static const float ACC_SCALE = 0.488e-3f * 9.80665f;
static const float GYR_SCALE = 70e-3f * 3.14159265f / 180.0f;
// FSR calibration: kPa per LSB of the value sent (set from a calibration of your cells)
static const float KPA_SCALE = 0.1f;

// ---- frames ----
static const uint16_t IMU_PER_FRAME = 8;      // about 19 ms at 416 Hz
static const uint16_t INSOLE_PER_FRAME = 2;   // 20 ms at 100 Hz
static ff_stream_t imu_stream = {0, 0}, insole_stream = {1, 0};
static uint32_t boot_id, frames_dropped = 0;
static uint8_t frame[FF_MAX_FRAME_LEN], wire[FF_SERIAL_MAX_LEN(FF_MAX_FRAME_LEN)];

static int16_t imu_buf[IMU_PER_FRAME * 6];
static uint16_t imu_n = 0;
static uint64_t imu_t0 = 0;
static uint16_t cells[INSOLE_PER_FRAME * N_CELLS];
static uint16_t insole_n = 0;
static uint64_t insole_t0 = 0, next_insole_us = 0, next_info_us = 0, next_status_us = 0;
static volatile bool imu_ready = false;
static volatile uint64_t imu_ready_us = 0;

static void IRAM_ATTR on_imu_int() {
  imu_ready_us = (uint64_t)esp_timer_get_time();
  imu_ready = true;
}

static void send(size_t len, ff_stream_t *st, bool data) {
  size_t n = len ? ff_serial_wrap(frame, len, wire, sizeof wire) : 0;
  // never block the sampling loop: a frame that does not fit the USB buffer is
  // dropped, its sequence number already used, so the host sees the gap
  if (n == 0 || (size_t)Serial.availableForWrite() < n) {
    if (data) frames_dropped++;
    return;
  }
  Serial.write(wire, n);
  (void)st;
}

static void imu_write(uint8_t reg, uint8_t val) {
  Wire.beginTransmission(0x6B);
  Wire.write(reg);
  Wire.write(val);
  Wire.endTransmission();
}

static void imu_read(int16_t out[6]) {
  uint8_t b[12];
  Wire.beginTransmission(0x6B);
  Wire.write(0x22);  // OUTX_L_G: gyro x,y,z then accel x,y,z
  Wire.endTransmission(false);
  Wire.requestFrom(0x6B, 12);
  for (int i = 0; i < 12; i++) b[i] = Wire.read();
  for (int k = 0; k < 3; k++) {
    out[3 + k] = (int16_t)(b[2 * k] | (b[2 * k + 1] << 8));      // gyr
    out[k] = (int16_t)(b[6 + 2 * k] | (b[6 + 2 * k + 1] << 8));  // acc
  }
}

static void send_info(uint64_t now) {
  ff_device_info_t imu = {FF_KIND_IMU, SIDE, FF_PLACEMENT_FOOT, 6, IMU_RATE_MHZ, ACC_SCALE,
                          GYR_SCALE, IMU_PER_FRAME, boot_id, NAME, FIRMWARE, ""};
  send(ff_encode_device_info(frame, sizeof frame, &imu_stream, now, IMU_PERIOD_NS, &imu),
       &imu_stream, false);
  ff_device_info_t ins = {FF_KIND_INSOLE, SIDE, FF_PLACEMENT_NONE, N_CELLS, 100000, KPA_SCALE,
                          0.0f, INSOLE_PER_FRAME, boot_id, "ff-left-insole", FIRMWARE, "fsr16"};
  send(ff_encode_device_info(frame, sizeof frame, &insole_stream, now, INSOLE_PERIOD_NS, &ins),
       &insole_stream, false);
}

void setup() {
  Serial.begin(921600);
  boot_id = esp_random();
  Wire.begin(PIN_SDA, PIN_SCL, 400000);
  imu_write(0x10, 0x64);  // CTRL1_XL: 416 Hz, +-16 g
  imu_write(0x11, 0x6C);  // CTRL2_G: 416 Hz, 2000 dps
  imu_write(0x0D, 0x03);  // INT1_CTRL: data ready (accel, gyro) on INT1
  for (int i = 0; i < 4; i++) pinMode(PIN_MUX_S[i], OUTPUT);
  analogReadResolution(12);
  pinMode(PIN_IMU_INT1, INPUT);
  attachInterrupt(PIN_IMU_INT1, on_imu_int, RISING);
  Serial.write((uint8_t)0x00);  // end whatever partial frame the host holds
}

void loop() {
  uint64_t now = (uint64_t)esp_timer_get_time();
  if (imu_ready) {
    imu_ready = false;
    if (imu_n == 0) imu_t0 = imu_ready_us;
    imu_read(&imu_buf[6 * imu_n]);
    if (++imu_n == IMU_PER_FRAME) {
      send(ff_encode_imu6(frame, sizeof frame, &imu_stream, imu_t0, IMU_PERIOD_NS, ACC_SCALE,
                          GYR_SCALE, imu_buf, imu_n), &imu_stream, true);
      imu_n = 0;
    }
  }
  if (now >= next_insole_us) {
    if (insole_n == 0) insole_t0 = now;
    for (int c = 0; c < N_CELLS; c++) {
      for (int b = 0; b < 4; b++) digitalWrite(PIN_MUX_S[b], (c >> b) & 1);
      delayMicroseconds(5);  // multiplexer settling
      // ADC counts (0..4095) to the value sent; replace with your cell's calibration
      cells[insole_n * N_CELLS + c] = (uint16_t)analogRead(PIN_MUX_SIG);
    }
    next_insole_us = (next_insole_us ? next_insole_us : now) + INSOLE_PERIOD_NS / 1000;
    if (++insole_n == INSOLE_PER_FRAME) {
      send(ff_encode_insole(frame, sizeof frame, &insole_stream, insole_t0, INSOLE_PERIOD_NS,
                            KPA_SCALE, N_CELLS, cells, insole_n), &insole_stream, true);
      insole_n = 0;
    }
  }
  if (now >= next_info_us) {
    send_info(now);
    next_info_us = now + 5000000;
  }
  if (now >= next_status_us) {
    ff_status_t st = {imu_stream.next_seq, frames_dropped, 0, 0, 0xFF, 1};
    send(ff_encode_status(frame, sizeof frame, &imu_stream, now, IMU_PERIOD_NS, &st),
         &imu_stream, false);
    next_status_us = now + 1000000;
  }
}
