# A game server's packet body: its length is not in it (a 2-byte length prefix before it
# says how long it is), and its events run to the end of the packet. Such a type cannot cut
# a stream by itself: decode it within a length framing,
# `--frame ksy:examples/ksy/game-packet.ksy,within=length:size=2`.
# The .ksy reads the whole frame the framing cut, length prefix included.
meta:
  id: game_packet
  title: A game packet with bit fields, floats and events to its end
  endian: be
seq:
  - id: packet_len
    type: u2
  - id: flags
    type: packet_flags
  - id: tick
    type: u4
  - id: player
    type: str
    size: 8
    encoding: ASCII
    pad-right: 0x20
  - id: events
    type: event
    repeat: eos
instances:
  first_event_kind:
    pos: 15
    type: u1
    enum: event_kind
    if: _io.size > 15
enums:
  event_kind:
    1: move
    2: chat
types:
  packet_flags:
    seq:
      - id: reliable
        type: b1
      - id: compressed
        type: b1
      - id: channel
        type: b6
  event:
    seq:
      - id: kind
        type: u1
        enum: event_kind
      - id: data
        type:
          switch-on: kind
          cases:
            'event_kind::move': move
            'event_kind::chat': chat
  move:
    seq:
      - id: x
        type: f4
      - id: y
        type: f4
  chat:
    seq:
      - id: text_len
        type: u1
      - id: text
        type: str
        size: text_len
        encoding: UTF-8
