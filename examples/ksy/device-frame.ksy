# A device's frame, as many serial and TCP devices send them: a magic, a type, a length,
# a body whose layout the type decides, and a checksum. tcpscope cuts a stream into these
# with `--frame ksy:examples/ksy/device-frame.ksy` (see docs/own-protocols.md).
meta:
  id: device_frame
  title: A length-and-checksum device frame
  endian: be
seq:
  - id: magic
    contents: [0xaa, 0x55]
  - id: kind
    type: u1
    enum: kind
  - id: seq_no
    type: u2
  - id: body_len
    type: u2
  - id: body
    size: body_len
    type:
      switch-on: kind
      cases:
        'kind::reading': reading
        'kind::hello': hello
        'kind::ack': ack
  - id: checksum
    type: u1
    doc: The sum of the body's bytes, modulo 256.
instances:
  frame_len:
    value: 8 + body_len
enums:
  kind:
    1: hello
    2: reading
    3: ack
  unit:
    0: celsius
    1: percent
    2: pascal
types:
  hello:
    seq:
      - id: device_name
        type: strz
        encoding: UTF-8
      - id: firmware
        type: u1
        repeat: expr
        repeat-expr: 3
  reading:
    seq:
      - id: sensor
        type: u1
      - id: unit
        type: u1
        enum: unit
      - id: temperature_centi
        type: s2
      - id: sample_count
        type: u1
      - id: samples
        type: u2
        repeat: expr
        repeat-expr: sample_count
  ack:
    seq:
      - id: acked_seq
        type: u2
      - id: status
        type: u1
