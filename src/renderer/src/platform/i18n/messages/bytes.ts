// The byte views of the selected connection (hex and text) and find in the stream.
export default {
  en: {
    bytes: {
      hexGrid: 'Hex bytes',
      textBody: 'Stream text',
      toolbar: 'Byte view tools',
      empty: 'No bytes in this direction.',
      loading: 'Loading…',
      dirSize: '{size}',
      goTo: 'Go to offset',
      goToShort: 'Go to',
      goToHint: '0x1f or 31',
      goToError: {
        empty: 'Type an offset.',
        bad: 'Use decimal digits or 0x and hex digits.',
        range: 'Past the end: the stream has {n} bytes.'
      },
      copyAs: 'Copy as',
      copy: 'Copy',
      format: { hex: 'Hex', text: 'Text', c: 'C array', base64: 'Base64', escaped: 'Escaped string' },
      copied: 'Copied {n} bytes as {format}.',
      copying: 'Copying {size}…',
      copyTooBig: 'The selection is {n} bytes; at most {max} bytes ({size}) can be copied at a time.',
      copyFailed: 'Could not copy: {reason}',
      caret: 'Offset {hex} ({dec})',
      selected: '{n} bytes selected, {from}–{to}',
      length: '{size} in all',
      encoding: 'Encoding',
      wrap: 'Wrap lines',
      delivered: {
        label: 'Show the bytes',
        status: 'As delivered',
        replaced: 'Rule "{label}" ({action}): what the receiver got instead of the {sent} bytes sent',
        answer: 'Rule "{label}" ({action}): its answer to the other side, put in here',
        unknown: 'Rule "{label}" ({action}): the capture keeps only the SHA-256 of what was delivered; these are the bytes sent',
        edited: 'Edited at breakpoint {label}: what the receiver got instead of the {sent} bytes sent',
        editedUnknown: 'Edited at breakpoint {label}: the capture keeps only the SHA-256 of what was forwarded; these are the bytes sent'
      },
      keys: {
        goTo: 'Go to an offset (hex and text views)',
        select: 'Select bytes (hex view)',
        ends: 'Start and end of the stream',
        copy: 'Copy the selected bytes'
      }
    },
    find: {
      label: 'Find in the stream',
      input: 'Find',
      mode: 'Find as',
      modes: { text: 'Text', hex: 'Hex', regex: 'Regex' },
      hint: {
        text: 'text in {encoding}; \\r \\n \\xHH allowed',
        hex: 'hex bytes, e.g. 0d 0a 00',
        regex: 'regular expression over {encoding}'
      },
      next: 'Next match',
      prev: 'Previous match',
      close: 'Close find',
      cancel: 'Cancel',
      searching: 'Searching {dir}…',
      found: 'Match at {hex}, {n} bytes.',
      kOfN: '{k} of {n}: {match}',
      kOfAtLeastN: '{k} of {n}+: {match}',
      wrapped: 'Match at {hex}, {n} bytes (from the start again).',
      notFound: 'Not found in {dir}.',
      cancelled: 'Search cancelled.',
      noConnection: 'Select a connection to search its bytes.',
      badHex: 'Not hex: {reason}',
      failed: '{reason}'
    }
  },
  'zh-CN': {
    bytes: {
      hexGrid: '十六进制字节',
      textBody: '流文本',
      toolbar: '字节视图工具',
      empty: '此方向没有数据。',
      loading: '正在加载…',
      dirSize: '{size}',
      goTo: '跳转到偏移',
      goToShort: '跳转',
      goToHint: '0x1f 或 31',
      goToError: {
        empty: '请输入偏移。',
        bad: '请输入十进制数字，或 0x 加十六进制数字。',
        range: '超出末尾：该流共 {n} 字节。'
      },
      copyAs: '复制为',
      copy: '复制',
      format: { hex: '十六进制', text: '文本', c: 'C 数组', base64: 'Base64', escaped: '转义字符串' },
      copied: '已将 {n} 字节复制为{format}。',
      copying: '正在复制 {size}…',
      copyTooBig: '所选内容为 {n} 字节；一次最多复制 {max} 字节（{size}）。',
      copyFailed: '无法复制：{reason}',
      caret: '偏移 {hex}（{dec}）',
      selected: '已选 {n} 字节，{from}–{to}',
      length: '共 {size}',
      encoding: '编码',
      wrap: '自动换行',
      delivered: {
        label: '显示字节',
        status: '按送达',
        replaced: '规则“{label}”（{action}）：接收方收到的内容，代替了发送的 {sent} 字节',
        answer: '规则“{label}”（{action}）：它给另一方的应答，插入于此',
        unknown: '规则“{label}”（{action}）：捕获只保存了送达内容的 SHA-256；此处显示的是发送的字节',
        edited: '在断点 {label} 处修改：接收方收到的内容，代替了发送的 {sent} 字节',
        editedUnknown: '在断点 {label} 处修改：捕获只保存了放行内容的 SHA-256；此处显示的是发送的字节'
      },
      keys: {
        goTo: '跳转到偏移（十六进制和文本视图）',
        select: '选择字节（十六进制视图）',
        ends: '流的开头和末尾',
        copy: '复制所选字节'
      }
    },
    find: {
      label: '在流中查找',
      input: '查找',
      mode: '查找方式',
      modes: { text: '文本', hex: '十六进制', regex: '正则' },
      hint: {
        text: '{encoding} 文本；可用 \\r \\n \\xHH',
        hex: '十六进制字节，如 0d 0a 00',
        regex: '按 {encoding} 匹配的正则表达式'
      },
      next: '下一个匹配',
      prev: '上一个匹配',
      close: '关闭查找',
      cancel: '取消',
      searching: '正在搜索{dir}…',
      found: '在 {hex} 处匹配，{n} 字节。',
      kOfN: '第 {k} / {n} 个：{match}',
      kOfAtLeastN: '第 {k} / {n}+ 个：{match}',
      wrapped: '在 {hex} 处匹配，{n} 字节（已从头重新查找）。',
      notFound: '在{dir}中未找到。',
      cancelled: '已取消搜索。',
      noConnection: '请先选择一个连接再查找。',
      badHex: '不是有效的十六进制：{reason}',
      failed: '{reason}'
    }
  }
}
