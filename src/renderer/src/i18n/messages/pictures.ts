// The conversation, the flow diagram of a connection's turns, and the capture's timeline.
export default {
  en: {
    conv: {
      label: 'Conversation',
      times: 'Times',
      time: { clock: 'Time of day', delta: 'Since previous' },
      encoding: 'Text encoding',
      dir: { client: 'client → server', server: 'server → client' },
      chunk: '{dir} {size} at {time}',
      event: '{what} at {time}',
      more: 'Show more',
      moreLeft: 'Show more ({left} not shown)',
      fold: 'Show less',
      cap: 'Showing {shown} of {total}; the Hex and Text views show all of it.',
      what: {
        open: 'opened',
        connecting: 'connecting',
        connected: 'connected',
        'connect-failed': 'connect failed',
        fin: '{side} sent FIN',
        reset: '{side} reset the connection (RST)',
        error: 'error',
        close: 'closed',
        lookup: 'address looked up',
        timeout: 'timed out'
      },
      whatWhy: '{what}: {why}',
      side: { client: 'client', server: 'server' },
      end: {
        closed: 'closed',
        'client-reset': 'reset by the client',
        'server-reset': 'reset by the server',
        'connect-failed': 'connect failed',
        error: 'ended by an error',
        stopped: 'stopped by tcpscope',
        cut: 'the capture ends here',
        open: 'open'
      },
      empty: 'No events yet.',
      loading: 'loading…'
    },
    flow: {
      label: 'Turns',
      client: 'client',
      server: 'server',
      proxy: 'through proxy {owner}',
      selected: 'Selected range',
      turn: '{dir} {size} at +{at}',
      gapNote: '{gap} after the previous turn',
      chunks: '{n} chunk | {n} chunks',
      mark: {
        fin: '{side} FIN at +{at}',
        reset: '{side} RST at +{at}',
        'connect-failed': 'connect failed at +{at}: {why}',
        error: 'error at +{at}: {why}',
        close: 'closed at +{at}: {why}'
      },
      short: { fin: 'FIN', reset: 'RST', 'connect-failed': 'connect failed', error: 'error', close: 'closed' },
      shortWhy: '{short}: {why}',
      empty: 'No turns yet.'
    },
    timeline: {
      label: 'Connection timeline',
      view: 'Connection view',
      list: 'List',
      timeline: 'Timeline',
      zoomIn: 'Zoom in',
      zoomOut: 'Zoom out',
      fit: 'Fit all',
      axis: 'Time axis',
      bar: '#{id} {client} → {target}, {state}, {duration}, {sent} sent, {received} received',
      running: 'still open',
      legend: 'Colours',
      state: { open: 'open', closed: 'closed', reset: 'reset', failed: 'failed' },
      keys: 'Arrows: move, ← →: pan, + −: zoom, 0: fit; wheel with Ctrl: zoom, drag: pan'
    }
  },
  'zh-CN': {
    conv: {
      label: '会话',
      times: '时间',
      time: { clock: '时刻', delta: '距上一条' },
      encoding: '文本编码',
      dir: { client: '客户端 → 服务器', server: '服务器 → 客户端' },
      chunk: '{dir} {size}，{time}',
      event: '{what}，{time}',
      more: '显示更多',
      moreLeft: '显示更多（还有 {left} 未显示）',
      fold: '收起',
      cap: '已显示 {total} 中的 {shown}；十六进制和文本视图可查看全部。',
      what: {
        open: '已打开',
        connecting: '正在连接',
        connected: '已连接',
        'connect-failed': '连接失败',
        fin: '{side}发送 FIN',
        reset: '{side}重置了连接（RST）',
        error: '错误',
        close: '已关闭',
        lookup: '已解析地址',
        timeout: '超时'
      },
      whatWhy: '{what}：{why}',
      side: { client: '客户端', server: '服务器' },
      end: {
        closed: '正常关闭',
        'client-reset': '被客户端重置',
        'server-reset': '被服务器重置',
        'connect-failed': '连接失败',
        error: '因错误结束',
        stopped: '被 tcpscope 停止',
        cut: '捕获文件在此结束',
        open: '打开'
      },
      empty: '还没有事件。',
      loading: '加载中…'
    },
    flow: {
      label: '往来',
      client: '客户端',
      server: '服务器',
      proxy: '经由代理 {owner}',
      selected: '所选范围',
      turn: '{dir} {size}，+{at}',
      gapNote: '距上一轮 {gap}',
      chunks: '{n} 个数据块',
      mark: {
        fin: '{side} FIN，+{at}',
        reset: '{side} RST，+{at}',
        'connect-failed': '连接失败，+{at}：{why}',
        error: '错误，+{at}：{why}',
        close: '已关闭，+{at}：{why}'
      },
      short: { fin: 'FIN', reset: 'RST', 'connect-failed': '连接失败', error: '错误', close: '已关闭' },
      shortWhy: '{short}：{why}',
      empty: '还没有往来。'
    },
    timeline: {
      label: '连接时间线',
      view: '连接视图',
      list: '列表',
      timeline: '时间线',
      zoomIn: '放大',
      zoomOut: '缩小',
      fit: '显示全部',
      axis: '时间轴',
      bar: '#{id} {client} → {target}，{state}，{duration}，发送 {sent}，接收 {received}',
      running: '仍在打开',
      legend: '颜色',
      state: { open: '打开', closed: '已关闭', reset: '重置', failed: '失败' },
      keys: '方向键：移动；← →：平移；+ −：缩放；0：显示全部；Ctrl + 滚轮：缩放；拖动：平移'
    }
  }
}
