// The replay editors and comparisons: the byte editor, the body diff and the headers diff.
export default {
  en: {
    replayParts: {
      editor: {
        encoding: { 'utf-8': 'UTF-8 text', latin1: 'Latin-1 text (not valid UTF-8): one character per byte', hex: 'hex, 16 bytes a line' },
        size: '{n} bytes',
        tooLarge: 'Larger than {limit} bytes: shown read-only.',
        hexDigit: 'Line {line}, column {col}: “{char}” is not a hex digit (use 0-9 and a-f; spaces and 0x are allowed).',
        hexOdd: 'Line {line}, column {col}: this byte has one hex digit; every byte needs two.',
        notLatin1: 'Line {line}, column {col}: “{char}” is not a Latin-1 character, and this text is Latin-1 because its bytes are not UTF-8; edit it in hex.',
        notInEncoding: 'Line {line}, column {col}: “{char}” has no bytes in {encoding}; pick another encoding, or edit it in hex.',
        pick: 'Text encoding',
        cr: 'CR, byte 0d',
        lf: 'LF, byte 0a',
        byte: 'byte {hex}'
      },
      diff: {
        identical: 'The bodies are identical.',
        sameContent: 'The same content, sent in other bytes (its coding or its chunks).',
        sameJson: 'The same JSON values, written differently.',
        sameText: 'The same text, in other bytes.',
        // The reason is the engine's, in English.
        asBytes: 'Compared as bytes, not by content: {reason}.',
        cut: 'Body cut short: {note}',
        recorded: 'recorded',
        replayed: 'replayed',
        recordedSign: 'recorded only',
        replayedSign: 'replayed only',
        hunk: 'recorded line {recorded}, replayed line {replayed}',
        prettyLines: 'Pretty JSON, line by line',
        textLines: 'Text, line by line',
        hexRows: 'Bytes, 16 a row',
        unchangedRows: '{n} identical rows of 16 bytes',
        firstDifference: 'First difference at byte {offset} (0x{hex}).',
        coarse: 'Too different to align line by line: the differing middle is shown removed, then added.',
        truncated: 'Only the first part is shown.',
        kept: '{side}: {kept} of {total} bytes kept'
      },
      json: {
        label: 'JSON values that differ',
        path: 'Path',
        more: '{n} more values differ.'
      },
      headers: {
        name: 'Header',
        recorded: 'Recorded',
        replayed: 'Replayed',
        change: 'Change',
        changes: { same: 'same', changed: 'changed', added: 'added', removed: 'removed' },
        ignored: {
          volatile: 'not counted: it changes on every answer',
          framing: 'not counted: the body’s comparison counts what it frames',
          rule: 'not counted: you said it may differ'
        },
        reordered: 'The headers both have came in another order (not counted).',
        noneDiffer: 'No header differs.',
        showSame: 'Show the {n} same headers | Show the same header | Show the {n} same headers',
        hideSame: 'Hide the {n} same headers | Hide the same header | Hide the {n} same headers',
        none: 'No headers.'
      }
    }
  },
  'zh-CN': {
    replayParts: {
      editor: {
        encoding: { 'utf-8': 'UTF-8 文本', latin1: 'Latin-1 文本（不是有效的 UTF-8）：每个字符一个字节', hex: '十六进制，每行 16 字节' },
        size: '{n} 字节',
        tooLarge: '超过 {limit} 字节：只读显示。',
        hexDigit: '第 {line} 行第 {col} 列：“{char}”不是十六进制数字（请用 0-9 和 a-f；可以有空格和 0x）。',
        hexOdd: '第 {line} 行第 {col} 列：这个字节只有一位十六进制数字，每个字节需要两位。',
        notLatin1: '第 {line} 行第 {col} 列：“{char}”不是 Latin-1 字符；这些字节不是 UTF-8，因此按 Latin-1 显示，请在十六进制模式下编辑。',
        notInEncoding: '第 {line} 行第 {col} 列：“{char}”无法用 {encoding} 编码；请换一种编码，或在十六进制模式下编辑。',
        pick: '文本编码',
        cr: 'CR，字节 0d',
        lf: 'LF，字节 0a',
        byte: '字节 {hex}'
      },
      diff: {
        identical: '两个正文完全相同。',
        sameContent: '内容相同，只是发送的字节不同（编码或分块不同）。',
        sameJson: 'JSON 值相同，只是写法不同。',
        sameText: '文本相同，只是字节不同。',
        // The reason is the engine's, in English.
        asBytes: '按字节比较，未按内容比较：{reason}。',
        cut: '正文已截断：{note}',
        recorded: '录制',
        replayed: '重放',
        recordedSign: '仅录制中有',
        replayedSign: '仅重放中有',
        hunk: '录制第 {recorded} 行，重放第 {replayed} 行',
        prettyLines: '格式化的 JSON，逐行比较',
        textLines: '文本，逐行比较',
        hexRows: '字节，每行 16 个',
        unchangedRows: '{n} 行相同（每行 16 字节）',
        firstDifference: '第一个不同在字节 {offset}（0x{hex}）。',
        coarse: '差异太大，无法逐行对齐：不同的中间部分先显示为删除，再显示为新增。',
        truncated: '只显示了开头部分。',
        kept: '{side}：保留了 {total} 字节中的 {kept} 字节'
      },
      json: {
        label: '不同的 JSON 值',
        path: '路径',
        more: '另有 {n} 个值不同。'
      },
      headers: {
        name: '头部',
        recorded: '录制',
        replayed: '重放',
        change: '变化',
        changes: { same: '相同', changed: '已变', added: '新增', removed: '缺少' },
        ignored: {
          volatile: '不计为差异：每次应答都会变化',
          framing: '不计为差异：它所界定的正文已单独比较',
          rule: '不计为差异：你已设置忽略它'
        },
        reordered: '两边共有的头部顺序不同（不计为差异）。',
        noneDiffer: '没有不同的头部。',
        showSame: '显示 {n} 个相同的头部',
        hideSame: '隐藏 {n} 个相同的头部',
        none: '没有头部。'
      }
    }
  }
}
