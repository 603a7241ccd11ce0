// The raw TCP replay panel: the client turns and their editor, the options of a replay, and
// the per-turn comparison of its answers with the recorded ones.
export default {
  en: {
    replayRaw: {
      label: 'Raw TCP replay',
      goToSource: 'Go to source',
      sourceClosed: 'its capture is not open here',
      options: {
        label: 'Replay options',
        target: 'Target',
        targetHint: 'HOST:PORT or a Unix socket path; the connection’s own target by default',
        strategy: 'Strategy',
        strategies: { turns: 'turns', timing: 'timing', burst: 'burst', messages: 'by message' },
        explain: {
          turns: 'Each turn once the server’s answer to the one before has fully arrived (or the timeout passed).',
          timing: 'Each turn after the gap it had in the recording.',
          burst: 'Every turn at once, without waiting for answers.',
          messages: 'Each client message (cut as the Messages tab cuts it) once the answers recorded for it came; the answers compared message by message.'
        },
        editsNotSent: 'The edited turn is not sent by message. | The {n} edited turns are not sent by message.',
        timeout: 'Timeout',
        timeoutName: 'Timeout for each answer, in milliseconds',
        ms: 'ms'
      },
      replay: 'Replay',
      replayName: 'Replay the connection (Ctrl+Enter)',
      cancel: 'Cancel',
      cancelName: 'Cancel the replay',
      cancelling: 'Cancelling…',
      cancelled: 'The replay was cancelled.',
      turns: {
        label: 'Client turns',
        count: 'no turns | {n} turn | {n} turns',
        edited: '{n} edited',
        loading: 'Reading the turns…',
        empty: 'This connection has no client bytes to replay.',
        greeting: 'server first',
        editedMark: 'edited',
        edit: 'Edit',
        editName: 'Edit turn {n}',
        revert: 'Revert',
        revertName: 'Revert turn {n} to the recorded bytes',
        rowName: 'Turn {n}: sends {sent}, recorded answer {answer}',
        rowNameGreeting: 'Turn {n}: the server spoke first, {answer}',
        rowNameEdited: 'Turn {n}: sends {sent} (edited, recorded {recorded}), recorded answer {answer}'
      },
      refusal: {
        nothingSent: 'This turn sends nothing: the server spoke first.',
        tooLarge: 'This turn is larger than {limit}; it can only be replayed as recorded.',
        tooManyEdits: 'At most {n} turns can be edited in one replay.'
      },
      editor: {
        title: 'Turn {n}',
        label: 'Bytes of turn {n}',
        mode: 'Edit as',
        text: 'Text',
        hex: 'Hex',
        size: '{size}, recorded {recorded}',
        reading: 'Reading the turn…',
        close: 'Close',
        closeName: 'Close the editor of turn {n}'
      },
      result: {
        label: 'Replay result',
        none: 'Replay (Ctrl+Enter) sends the client turns again and compares each answer with the recorded one.',
        summary: 'matched {matched} of {of} · the connection ended {end} · {target} · {strategy}',
        row: 'turn {n}: sent {sent}',
        rowShort: 'turn {n}: sent {sent} of {recorded}',
        editedMark: '(edited)',
        answer: 'answer {received} of {expected} recorded',
        matched: 'matched ✓',
        differs: 'differs ✗',
        diffLabel: 'Answer to turn {n}',
        diffTitle: 'Turn {n}: the recorded answer and the replayed one',
        openReplay: 'Open replay #{id}',
        openReplayName: 'Open the replay’s connection #{id} in the live capture'
      },
      messages: {
        label: 'Replay result by message',
        summary: '{matched} of {of} messages got the recorded answers ({framing}) · the connection ended {end} · {target}',
        sent: '#{n} → {summary} ({size})',
        greeting: 'before the client’s first message',
        answer: '← {summary} ({size})',
        missing: '← nothing came',
        recorded: 'recorded {summary} ({size})',
        extra: 'not recorded'
      }
    }
  },
  'zh-CN': {
    replayRaw: {
      label: '原始 TCP 重放',
      goToSource: '转到源连接',
      sourceClosed: '其抓包未在此打开',
      options: {
        label: '重放选项',
        target: '目标',
        targetHint: 'HOST:PORT 或 Unix 套接字路径；默认为连接自己的目标',
        strategy: '策略',
        strategies: { turns: '按轮次', timing: '按时序', burst: '一次发出', messages: '按消息' },
        explain: {
          turns: '等服务器对上一轮的应答全部到达（或超时）后再发送下一轮。',
          timing: '保持录制时各轮之间的间隔。',
          burst: '一次发出所有轮次，不等待应答。',
          messages: '按“消息”标签页的切分逐条发送客户端消息，等到录制中对它的应答后再发下一条；逐条比较应答。'
        },
        editsNotSent: '按消息重放不发送已编辑的 {n} 个轮次。',
        timeout: '超时',
        timeoutName: '每个应答的超时，单位毫秒',
        ms: '毫秒'
      },
      replay: '重放',
      replayName: '重放此连接（Ctrl+Enter）',
      cancel: '取消',
      cancelName: '取消重放',
      cancelling: '正在取消…',
      cancelled: '重放已取消。',
      turns: {
        label: '客户端轮次',
        count: '没有轮次 | {n} 轮 | {n} 轮',
        edited: '已编辑 {n} 轮',
        loading: '正在读取轮次…',
        empty: '此连接没有可重放的客户端数据。',
        greeting: '服务器先发',
        editedMark: '已编辑',
        edit: '编辑',
        editName: '编辑第 {n} 轮',
        revert: '还原',
        revertName: '将第 {n} 轮还原为录制的字节',
        rowName: '第 {n} 轮：发送 {sent}，录制的应答 {answer}',
        rowNameGreeting: '第 {n} 轮：服务器先发，{answer}',
        rowNameEdited: '第 {n} 轮：发送 {sent}（已编辑，录制为 {recorded}），录制的应答 {answer}'
      },
      refusal: {
        nothingSent: '此轮不发送数据：服务器先发。',
        tooLarge: '此轮大于 {limit}，只能按录制内容重放。',
        tooManyEdits: '一次重放最多编辑 {n} 轮。'
      },
      editor: {
        title: '第 {n} 轮',
        label: '第 {n} 轮的字节',
        mode: '编辑方式',
        text: '文本',
        hex: '十六进制',
        size: '{size}，录制为 {recorded}',
        reading: '正在读取此轮…',
        close: '关闭',
        closeName: '关闭第 {n} 轮的编辑器'
      },
      result: {
        label: '重放结果',
        none: '重放（Ctrl+Enter）会再次发送客户端的各轮数据，并将每个应答与录制的比较。',
        summary: '{of} 轮中 {matched} 轮一致 · 连接结束：{end} · {target} · {strategy}',
        row: '第 {n} 轮：发送 {sent}',
        rowShort: '第 {n} 轮：发送 {sent}（共 {recorded}）',
        editedMark: '（已编辑）',
        answer: '应答 {received}，录制为 {expected}',
        matched: '一致 ✓',
        differs: '不同 ✗',
        diffLabel: '第 {n} 轮的应答',
        diffTitle: '第 {n} 轮：录制的应答与重放的应答',
        openReplay: '打开重放 #{id}',
        openReplayName: '在实时抓包中打开重放的连接 #{id}'
      },
      messages: {
        label: '按消息的重放结果',
        summary: '{of} 条消息中 {matched} 条得到录制的应答（{framing}）· 连接结束：{end} · {target}',
        sent: '#{n} → {summary}（{size}）',
        greeting: '客户端第一条消息之前',
        answer: '← {summary}（{size}）',
        missing: '← 没有收到',
        recorded: '录制为 {summary}（{size}）',
        extra: '录制中没有'
      }
    }
  }
}
