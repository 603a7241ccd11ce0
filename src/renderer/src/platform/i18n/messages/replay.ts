// The replay tab: what it offers, and what a replay's connection says of its source.
export default {
  en: {
    replay: {
      modes: 'Replay as',
      mode: { http: 'HTTP request', raw: 'Raw TCP', send: 'New request' },
      noHttp: 'This connection carries no HTTP request; replay it as raw TCP.',
      pickExchange: 'Select an HTTP exchange (in the HTTP tab or the exchange list) to replay it.',
      replayOf: 'replay of #{id}',
      replayOfExchange: 'replay of #{id} exchange {n}',
      goToSource: 'Go to the source connection #{id}'
    }
  },
  'zh-CN': {
    replay: {
      modes: '重放方式',
      mode: { http: 'HTTP 请求', raw: '原始 TCP', send: '新建请求' },
      noHttp: '此连接不含 HTTP 请求；请按原始 TCP 重放。',
      pickExchange: '请选择一个 HTTP 交换（在 HTTP 页或交换列表中）来重放。',
      replayOf: '#{id} 的重放',
      replayOfExchange: '#{id} 第 {n} 个交换的重放',
      goToSource: '转到源连接 #{id}'
    }
  }
}
