# A message of type-length-value records: a version, a record count, then that many
# records, each a tag, a length and a value the tag decides. Decoded with
# `--frame ksy:examples/ksy/tlv.ksy`.
meta:
  id: tlv_message
  title: A message of TLV records
  endian: le
seq:
  - id: version
    type: u1
  - id: record_count
    type: u1
  - id: records
    type: record
    repeat: expr
    repeat-expr: record_count
enums:
  tag:
    1: name
    2: counter
    3: ratio
    4: blob
types:
  record:
    seq:
      - id: tag
        type: u1
        enum: tag
      - id: len
        type: u1
      - id: value
        size: len
        type:
          switch-on: tag
          cases:
            'tag::name': name_value
            'tag::counter': counter_value
            'tag::ratio': ratio_value
  name_value:
    seq:
      - id: text
        type: str
        size-eos: true
        encoding: UTF-8
  counter_value:
    seq:
      - id: count
        type: u4
  ratio_value:
    seq:
      - id: ratio
        type: f4
