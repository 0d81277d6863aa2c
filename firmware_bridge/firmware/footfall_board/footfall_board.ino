// footfall reference firmware: one foot, an LSM6DSO IMU and a 16-cell FSR insole,
// streamed in the footfall wire protocol (../../PROTOCOL.md) over USB CDC and
// Bluetooth LE at the same time.
//
// Board: ESP32-S3 DevKitC-1, Espressif's Arduino core, "USB CDC On Boot: Enabled".
// Library: NimBLE-Arduino 2.x (written against the 2.3 API, whose callbacks
// take NimBLEConnInfo&; 1.x does not fit).
// Not built or run as part of footfall: it needs the Arduino toolchain and the board.
// Build: copy ../../c/ff_wire.h and ../../c/ff_wire.c next to this file.
//
// IMU: LSM6DSO on I2C at 0x6B, 416 Hz output data rate, +-16 g, +-2000 dps,
// read sample by sample on its data-ready interrupt (INT1). The sample time is
// the ESP32's microsecond clock at the interrupt.
// Insole: 16 FSRs, each in a divider with 10 kOhm to 3.3 V, selected by a
// CD74HC4067 multiplexer whose common pin goes to one ADC input; 100 Hz.
//
// Transports: every frame goes to USB as it always did, and to a BLE host
// while one has enabled notifications of the data characteristic. Data frames
// are generated (and use their sequence numbers) whoever listens, so a host
// sees every frame it did not get as a gap in seq.

#include <Arduino.h>
#include <Wire.h>
#include <esp_random.h>
#include <NimBLEDevice.h>

extern "C" {
#include "ff_wire.h"
}

// ---- pins (see README.md) ----
static const int PIN_SDA = 8, PIN_SCL = 9, PIN_IMU_INT1 = 10;
static const int PIN_MUX_S[4] = {4, 5, 6, 7};
static const int PIN_MUX_SIG = 1;  // ADC1_CH0

// ---- device description ----
static const char *NAME = "ff-left-foot";   // change per board: ff-right-foot ...
static const char *INSOLE_NAME = "ff-left-insole";
static const uint8_t SIDE = FF_SIDE_LEFT;
static const char *FIRMWARE = "ref-0.2";
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
// Without a BLE host: 8 IMU samples (about 19 ms at 416 Hz) and 2 insole
// samples (20 ms) per frame. With one: as many as one notification of the
// negotiated MTU carries (ff_ble_samples_per_frame), on both transports.
static const uint16_t USB_IMU_PER_FRAME = 8;
static const uint16_t USB_INSOLE_PER_FRAME = 2;
static const uint16_t IMU_MAX = (FF_MAX_FRAME_LEN - FF_HEADER_LEN - 8 - FF_CRC_LEN) / 12;
static const uint16_t INSOLE_MAX = (FF_MAX_FRAME_LEN - FF_HEADER_LEN - 8 - FF_CRC_LEN) / (2 * 16);
static uint16_t imu_spf = USB_IMU_PER_FRAME, insole_spf = USB_INSOLE_PER_FRAME;

static ff_stream_t imu_stream = {0, 0}, insole_stream = {1, 0};
static uint32_t boot_id, usb_dropped = 0, ble_dropped = 0;
static uint8_t frame[FF_MAX_FRAME_LEN], wire[FF_SERIAL_MAX_LEN(FF_MAX_FRAME_LEN)];

static int16_t imu_buf[IMU_MAX * 6];
static uint16_t imu_n = 0;
static uint64_t imu_t0 = 0;
static uint16_t cells[INSOLE_MAX * N_CELLS];
static uint16_t insole_n = 0;
static uint64_t insole_t0 = 0, next_insole_us = 0, next_info_us = 0, next_status_us = 0;
static volatile bool imu_ready = false;
static volatile uint64_t imu_ready_us = 0;

static void IRAM_ATTR on_imu_int() {
  imu_ready_us = (uint64_t)esp_timer_get_time();
  imu_ready = true;
}

// ---- Bluetooth LE (PROTOCOL.md, GATT layout) ----
static const char *FF_SERVICE_UUID = "06437c47-dbe0-4e3a-a479-7a3417bc56ea";
static const char *FF_DATA_UUID = "06437c48-dbe0-4e3a-a479-7a3417bc56ea";
static const char *FF_CONTROL_UUID = "06437c49-dbe0-4e3a-a479-7a3417bc56ea";
static const uint8_t CONTROL_SEND_INFO = 0x01;
static const uint16_t BLE_PREFERRED_MTU = 247;

static NimBLECharacteristic *data_chr = nullptr, *rsc_chr = nullptr;
// written by the NimBLE host task, read by loop()
static volatile bool ble_subscribed = false, ble_want_info = false;
static volatile uint16_t ble_mtu = 23;
// loop() only
static bool ble_streaming = false;
static uint16_t ble_min_mtu = 0xFFFF;  // smallest MTU every frame (DEVICE_INFO too) fits
static uint8_t note_buf[FF_BLE_MAX_MTU];
static ff_notify_t note;

// ---- Running Speed and Cadence ----
// Once per stride of this foot the swing swings the foot fast: the gyroscope
// magnitude rises above SWING_ON and later falls below SWING_OFF. The time it
// rises is one event per stride (any orientation of the board). These values
// are starting points, not tuned or validated against a reference.
static const float SWING_ON_RPS = 4.0f, SWING_OFF_RPS = 2.0f;
static const uint32_t SWING_HOLDOFF_US = 500000;  // strides are longer (cadence < 240 /min)
static bool in_swing = false;
static uint64_t last_swing_us = 0;
static ff_rsc_tracker_t rsc;
static uint64_t next_rsc_us = 0;

class ServerCallbacks : public NimBLEServerCallbacks {
  void onConnect(NimBLEServer *server, NimBLEConnInfo &info) override {
    (void)server;
    ble_mtu = info.getMTU();
  }
  void onDisconnect(NimBLEServer *server, NimBLEConnInfo &info, int reason) override {
    (void)server; (void)info; (void)reason;
    ble_subscribed = false;
    ble_mtu = 23;
    // advertising restarts by itself: advertiseOnDisconnect(true) in setup()
  }
  void onMTUChange(uint16_t mtu, NimBLEConnInfo &info) override {
    (void)info;
    ble_mtu = mtu;
  }
};

class DataCallbacks : public NimBLECharacteristicCallbacks {
  void onSubscribe(NimBLECharacteristic *chr, NimBLEConnInfo &info, uint16_t sub) override {
    (void)chr;
    ble_mtu = info.getMTU();
    ble_subscribed = (sub & 1) != 0;  // bit 0: notifications
    if (ble_subscribed) ble_want_info = true;
  }
};

class ControlCallbacks : public NimBLECharacteristicCallbacks {
  void onWrite(NimBLECharacteristic *chr, NimBLEConnInfo &info) override {
    (void)info;
    NimBLEAttValue v = chr->getValue();
    if (v.size() >= 1 && v.data()[0] == CONTROL_SEND_INFO) ble_want_info = true;
    // other opcodes are ignored (PROTOCOL.md)
  }
};

static ServerCallbacks server_cb;
static DataCallbacks data_cb;
static ControlCallbacks control_cb;

// ---- sending ----
static void usb_send(size_t len, bool data) {
  size_t n = ff_serial_wrap(frame, len, wire, sizeof wire);
  // never block the sampling loop: a frame that does not fit the USB buffer is
  // dropped, its sequence number already used, so the host sees the gap
  if (n == 0 || (size_t)Serial.availableForWrite() < n) {
    if (data) usb_dropped++;
    return;
  }
  Serial.write(wire, n);
}

static void ble_flush() {
  if (note.len == 0) return;
  // notify() fails when the stack has no free buffer: the frames in this
  // notification are lost, their sequence numbers used (a gap for the host)
  if (!data_chr->notify(note.buf, note.len)) ble_dropped += note.n_data;
  ff_notify_clear(&note);
}

static void ble_send(size_t len, bool data) {
  if (!ble_streaming) return;  // nobody listens: the frame's number is used all the same
  int r = ff_notify_add(&note, frame, len);
  if (r == FF_NOTIFY_FULL) {
    ble_flush();
    r = ff_notify_add(&note, frame, len);
  }
  if (r != FF_NOTIFY_ADDED && data) ble_dropped++;
}

// one frame, just encoded into `frame` (len 0: encoding failed, nothing to send)
static void emit(size_t len, bool data) {
  if (len == 0) return;
  usb_send(len, data);
  ble_send(len, data);
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

static size_t encode_imu_info(uint64_t now) {
  ff_device_info_t imu = {FF_KIND_IMU, SIDE, FF_PLACEMENT_FOOT, 6, IMU_RATE_MHZ, ACC_SCALE,
                          GYR_SCALE, imu_spf, boot_id, NAME, FIRMWARE, ""};
  return ff_encode_device_info(frame, sizeof frame, &imu_stream, now, IMU_PERIOD_NS, &imu);
}

static size_t encode_insole_info(uint64_t now) {
  ff_device_info_t ins = {FF_KIND_INSOLE, SIDE, FF_PLACEMENT_NONE, N_CELLS, 100000, KPA_SCALE,
                          0.0f, insole_spf, boot_id, INSOLE_NAME, FIRMWARE, "fsr16"};
  return ff_encode_device_info(frame, sizeof frame, &insole_stream, now, INSOLE_PERIOD_NS, &ins);
}

static void send_info(uint64_t now) {
  emit(encode_imu_info(now), false);
  emit(encode_insole_info(now), false);
}

static void send_imu_block() {
  if (imu_n == 0) return;
  emit(ff_encode_imu6(frame, sizeof frame, &imu_stream, imu_t0, IMU_PERIOD_NS, ACC_SCALE,
                      GYR_SCALE, imu_buf, imu_n), true);
  imu_n = 0;
}

static void send_insole_block() {
  if (insole_n == 0) return;
  emit(ff_encode_insole(frame, sizeof frame, &insole_stream, insole_t0, INSOLE_PERIOD_NS,
                        KPA_SCALE, N_CELLS, cells, insole_n), true);
  insole_n = 0;
}

// Smallest MTU at which every frame this board sends fits one notification:
// a full data frame of one sample, and each DEVICE_INFO.
static uint16_t min_ble_mtu() {
  size_t need = FF_SERIAL_MAX_LEN(FF_HEADER_LEN + 8 + 2 * N_CELLS + FF_CRC_LEN);
  size_t n = FF_SERIAL_MAX_LEN(encode_imu_info(0));
  if (n > need) need = n;
  n = FF_SERIAL_MAX_LEN(encode_insole_info(0));
  if (n > need) need = n;
  uint16_t mtu = FF_BLE_MIN_MTU;
  while (mtu < FF_BLE_MAX_MTU && (size_t)(mtu - FF_ATT_NOTIFY_OVERHEAD) < need) mtu++;
  return mtu;
}

// Follow the BLE link: frame sizes from the MTU, DEVICE_INFO when a host
// subscribes, asks for it, or when samples_per_frame changes.
static void ble_update(uint64_t now) {
  bool sub = ble_subscribed;
  uint16_t mtu = ble_mtu;
  bool streaming = sub && mtu >= ble_min_mtu;
  uint16_t want_imu = USB_IMU_PER_FRAME, want_ins = USB_INSOLE_PER_FRAME;
  bool info = false;
  if (streaming) {
    want_imu = ff_ble_samples_per_frame(mtu, FF_KIND_IMU, 0);
    want_ins = ff_ble_samples_per_frame(mtu, FF_KIND_INSOLE, N_CELLS);
    if (want_imu > IMU_MAX) want_imu = IMU_MAX;
    if (want_ins > INSOLE_MAX) want_ins = INSOLE_MAX;
  }
  if (want_imu != imu_spf || want_ins != insole_spf) {
    // the blocks in progress go out as they are (short frames) under the old size
    send_imu_block();
    send_insole_block();
    imu_spf = want_imu;
    insole_spf = want_ins;
    info = true;
  }
  if (streaming != ble_streaming || (streaming && note.cap != (size_t)mtu - FF_ATT_NOTIFY_OVERHEAD)) {
    if (ble_streaming) ble_flush();
    ff_notify_init(&note, note_buf, streaming ? (size_t)mtu - FF_ATT_NOTIFY_OVERHEAD : 0);
    ble_streaming = streaming;
    if (streaming) info = true;
  }
  if (ble_want_info) {
    ble_want_info = false;
    info = true;
  }
  if (info) {
    send_info(now);
    next_info_us = now + 5000000;
  }
}

static void ble_setup() {
  NimBLEDevice::init(NAME);
  NimBLEDevice::setMTU(BLE_PREFERRED_MTU);
  NimBLEServer *server = NimBLEDevice::createServer();
  server->setCallbacks(&server_cb, false);
  server->advertiseOnDisconnect(true);

  NimBLEService *ff = server->createService(FF_SERVICE_UUID);
  data_chr = ff->createCharacteristic(FF_DATA_UUID, NIMBLE_PROPERTY::NOTIFY);
  data_chr->setCallbacks(&data_cb);
  NimBLECharacteristic *control =
      ff->createCharacteristic(FF_CONTROL_UUID, NIMBLE_PROPERTY::WRITE | NIMBLE_PROPERTY::WRITE_NR);
  control->setCallbacks(&control_cb);
  ff->start();

  NimBLEService *dis = server->createService("180A");
  dis->createCharacteristic("2A29", NIMBLE_PROPERTY::READ)->setValue("footfall");
  dis->createCharacteristic("2A24", NIMBLE_PROPERTY::READ)->setValue("footfall_board ESP32-S3");
  dis->createCharacteristic("2A25", NIMBLE_PROPERTY::READ)
      ->setValue(NimBLEDevice::getAddress().toString());
  dis->createCharacteristic("2A26", NIMBLE_PROPERTY::READ)->setValue(FIRMWARE);
  dis->start();

  // Running Speed and Cadence for watches. RSC Feature 0x0000: no stride
  // length, no total distance, no walking/running status (this firmware
  // estimates none of them), one sensor location.
  NimBLEService *rsc_svc = server->createService("1814");
  rsc_chr = rsc_svc->createCharacteristic("2A53", NIMBLE_PROPERTY::NOTIFY);
  static const uint8_t rsc_feature[2] = {0x00, 0x00};
  rsc_svc->createCharacteristic("2A54", NIMBLE_PROPERTY::READ)->setValue(rsc_feature, 2);
  rsc_svc->start();

  server->start();

  // Legacy advertising holds 31 bytes: flags (3), the footfall service's
  // 128-bit UUID (18) and the RSC UUID (4) go in the advertisement, the name
  // in the scan response.
  NimBLEAdvertisementData adv, scan;
  adv.setFlags(0x06);  // LE General Discoverable, BR/EDR not supported
  adv.addServiceUUID(NimBLEUUID(FF_SERVICE_UUID));
  adv.addServiceUUID(NimBLEUUID("1814"));
  scan.setName(NAME);
  NimBLEAdvertising *advertising = NimBLEDevice::getAdvertising();
  advertising->setAdvertisementData(adv);
  advertising->setScanResponseData(scan);
  advertising->enableScanResponse(true);
  advertising->start();
}

static void rsc_update(uint64_t now) {
  if (now < next_rsc_us) return;
  next_rsc_us = now + 1000000;
  ff_rsc_t m;
  uint8_t b[FF_RSC_MAX_LEN];
  // running 0: the firmware does not tell walking from running (RSC Feature says so)
  ff_rsc_measure(&rsc, now, 0, &m);
  size_t n = ff_rsc_encode(b, sizeof b, &m);
  // sent to the hosts that enabled its notifications; a lost value is replaced a second later
  if (n) rsc_chr->notify(b, n);
}

static void swing_detect(const int16_t s[6], uint64_t t_us) {
  float gx = s[3] * GYR_SCALE, gy = s[4] * GYR_SCALE, gz = s[5] * GYR_SCALE;
  float w2 = gx * gx + gy * gy + gz * gz;
  if (!in_swing && w2 > SWING_ON_RPS * SWING_ON_RPS
      && (last_swing_us == 0 || t_us - last_swing_us > SWING_HOLDOFF_US)) {
    in_swing = true;
    last_swing_us = t_us;
    ff_rsc_contact(&rsc, t_us, 0);  // once per stride; no stride length: no speed is sent
  } else if (in_swing && w2 < SWING_OFF_RPS * SWING_OFF_RPS) {
    in_swing = false;
  }
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
  ff_rsc_tracker_init(&rsc);
  ff_notify_init(&note, note_buf, 0);
  ble_min_mtu = min_ble_mtu();
  ble_setup();
  pinMode(PIN_IMU_INT1, INPUT);
  attachInterrupt(PIN_IMU_INT1, on_imu_int, RISING);
  Serial.write((uint8_t)0x00);  // end whatever partial frame the host holds
}

void loop() {
  uint64_t now = (uint64_t)esp_timer_get_time();
  ble_update(now);
  if (imu_ready) {
    imu_ready = false;
    if (imu_n == 0) imu_t0 = imu_ready_us;
    imu_read(&imu_buf[6 * imu_n]);
    swing_detect(&imu_buf[6 * imu_n], imu_ready_us);
    if (++imu_n >= imu_spf) send_imu_block();
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
    if (++insole_n >= insole_spf) send_insole_block();
  }
  if (now >= next_info_us) {
    send_info(now);
    next_info_us = now + 5000000;
  }
  if (now >= next_status_us) {
    // frames_dropped counts this transport's losses: USB's on USB, BLE's over BLE
    ff_status_t st = {imu_stream.next_seq, usb_dropped, 0, 0, 0xFF, 1};
    size_t len = ff_encode_status(frame, sizeof frame, &imu_stream, now, IMU_PERIOD_NS, &st);
    if (len) usb_send(len, false);
    st.frames_dropped = ble_dropped;
    len = ff_encode_status(frame, sizeof frame, &imu_stream, now, IMU_PERIOD_NS, &st);
    if (len) ble_send(len, false);
    next_status_us = now + 1000000;
  }
  rsc_update(now);
  if (ble_streaming) ble_flush();  // what this pass produced goes out now, never waits
}
