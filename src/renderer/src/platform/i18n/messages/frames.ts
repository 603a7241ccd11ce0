// The Frames view of an HTTP/2 connection: its frames as on the wire, all or one stream's.
export default {
  en: {
    frames: {
      label: 'HTTP/2 frames',
      stream: 'Stream',
      allStreams: 'all streams',
      showAll: 'Show all streams',
      badStream: 'A stream is a number, from 0 (the connection itself) to 2147483647.',
      count: '{n} frame | {n} frames',
      countOf: '{n} frame on stream {stream} | {n} frames on stream {stream}',
      none: 'No HTTP/2 frame decoded on this connection yet.',
      noneOn: 'No frame on stream {stream}.',
      notH2: 'This connection carries no HTTP/2 ({protocol}).',
      col: { index: '#', time: 'time', dir: 'dir', type: 'type', stream: 'stream', length: 'length', flags: 'flags', info: 'info' }
    }
  },
  'zh-CN': {
    frames: {
      label: 'HTTP/2 帧',
      stream: '流',
      allStreams: '全部流',
      showAll: '显示全部流',
      badStream: '流号是数字，从 0（连接本身）到 2147483647。',
      count: '{n} 帧',
      countOf: '流 {stream} 上 {n} 帧',
      none: '此连接上尚未解码出 HTTP/2 帧。',
      noneOn: '流 {stream} 上没有帧。',
      notH2: '此连接不含 HTTP/2（{protocol}）。',
      col: { index: '#', time: '时间', dir: '方向', type: '类型', stream: '流', length: '长度', flags: '标志', info: '信息' }
    }
  }
}
