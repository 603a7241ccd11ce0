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
        cr: 'CR, byte 0d',
        lf: 'LF, byte 0a',
        byte: 'byte {hex}'
      },
      diff: {
        identical: 'Identical to the recorded body ({n} bytes).',
        identicalKept: 'The first {n} bytes are identical; both bodies are {total} bytes, and the rest was not kept to compare.',
        recorded: 'recorded',
        replayed: 'replayed',
        recordedSign: 'recorded only',
        replayedSign: 'replayed only',
        sameKept: 'The {n} bytes kept are identical, but the whole bodies differ in length (recorded {recorded}, replayed {replayed} bytes).',
        unchanged: '{n} unchanged lines',
        unchangedRows: '{n} identical rows of 16 bytes',
        showBytes: 'Show as bytes',
        showRest: 'Show the rest ({n} more)',
        firstDifference: 'First difference at byte {offset} (0x{hex}).',
        coarse: 'Too different to align line by line: the differing middle is shown removed, then added.',
        truncated: 'Only the first part is shown.',
        kept: '{side}: {kept} of {total} bytes kept',
      },
      headers: {
        name: 'Header',
        recorded: 'Recorded',
        replayed: 'Replayed',
        change: 'Change',
        changes: { same: 'same', changed: 'changed', added: 'added', removed: 'removed' },
        volatile: 'differs on every answer (Date, Age, Expires): not counted as a difference',
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
        cr: 'CR，字节 0d',
        lf: 'LF，字节 0a',
        byte: '字节 {hex}'
      },
      diff: {
        identical: '与录制的正文相同（{n} 字节）。',
        identicalKept: '前 {n} 字节相同；两个正文都是 {total} 字节，其余部分没有保留，无法比较。',
        recorded: '录制',
        replayed: '重放',
        recordedSign: '仅录制中有',
        replayedSign: '仅重放中有',
        sameKept: '保留的 {n} 字节相同，但完整正文长度不同（录制 {recorded} 字节，重放 {replayed} 字节）。',
        unchanged: '{n} 行未变',
        unchangedRows: '{n} 行相同（每行 16 字节）',
        showBytes: '按字节显示',
        showRest: '显示其余部分（还有 {n} 项）',
        firstDifference: '第一个不同在字节 {offset}（0x{hex}）。',
        coarse: '差异太大，无法逐行对齐：不同的中间部分先显示为删除，再显示为新增。',
        truncated: '只显示了开头部分。',
        kept: '{side}：保留了 {total} 字节中的 {kept} 字节',
      },
      headers: {
        name: '头部',
        recorded: '录制',
        replayed: '重放',
        change: '变化',
        changes: { same: '相同', changed: '已变', added: '新增', removed: '缺少' },
        volatile: '每次应答都会不同（Date、Age、Expires）：不计为差异',
        none: '没有头部。'
      }
    }
  }
}
