// The exchange list across a capture, the connection list's protocol and Info cells, and the
// context actions (copy as curl, export HAR and pcapng).
export default {
  en: {
    exchanges: {
      view: 'Exchanges',
      label: 'HTTP exchanges',
      filter: 'Filter exchanges',
      filterPlaceholder: 'proto:h2 method:GET host:api status:4xx path:/items type:json conn:12',
      filterHelp: 'Words that must all match: method:GET host:api path:/items status:404 (or 4xx, 200-299) type:json conn:12 proto:h2 (or http1, ws, grpc); a leading - negates one; a bare word matches the host and path.',
      filterError: '{error}',
      filterHint: 'Filter hint',
      decoding: 'Decoding connections: {done} of {of}',
      count: '{shown} of {total} exchanges',
      empty: 'No HTTP exchanges in this capture yet.',
      emptyFiltered: 'No exchange matches the filter.',
      col: {
        method: 'method',
        host: 'host',
        path: 'path',
        status: 'status',
        type: 'type',
        requestSize: '↑ request',
        responseSize: '↓ response',
        start: 'start',
        duration: 'duration',
        proto: 'protocol',
        conn: 'conn'
      },
      sortBy: 'Sort by {column}',
      state: { pending: 'pending', incomplete: 'incomplete', upgraded: 'upgraded', complete: '' },
      https: 'HTTPS (TLS, decrypted)',
      cutName: 'Incomplete: its connection ended (reset or closed), or decoding stopped, before the exchange did',
      proto: { http1: 'HTTP', websocket: 'WS', tls: 'TLS', http2: 'H2', raw: 'raw', unknown: '' },
      protocol: { http1: 'HTTP/1.1', h2: 'h2', h2c: 'h2c', grpc: 'gRPC', 'grpc-web': 'gRPC-Web' },
      onStream: '{protocol} · {stream}',
      info: {
        websocket: 'WebSocket {n} message | WebSocket {n} messages',
        more: '+{n} more',
        tls: 'encrypted',
        problem: '(decoding stopped at a problem)'
      },
      actions: {
        menu: 'Actions',
        shortcut: 'Actions on the selected row: copy as curl, export HAR or pcapng, replay, serve as a recorded server',
        curl: 'Copy as curl',
        curlDelivered: 'Copy as curl, as the target got it (after rules)',
        harConn: 'Export HAR of connection #{id}…',
        harListed: 'Export HAR of the {n} connections listed…',
        harAll: 'Export HAR of the whole capture…',
        harDelivered: 'Export HAR of connection #{id} as delivered (after rules)…',
        pcapConn: 'Export pcapng of connection #{id}…',
        pcapListed: 'Export pcapng of the {n} connections listed…',
        pcapAll: 'Export pcapng of the whole capture…',
        // Why an item is off: its title and description, and a short hint beside it.
        why: {
          noProxy: 'Start a proxy first: a rule belongs to a running proxy, and none is running.',
          noProxyHint: 'start a proxy first',
          h2Row: 'An HTTP/2 connection carries many requests: right-click one of its requests in the Exchanges tab.',
          h2RowHint: 'use the Exchanges tab',
          notHttp: 'This connection carries no HTTP request.',
          notHttpHint: 'not HTTP'
        }
      }
    }
  },
  'zh-CN': {
    exchanges: {
      view: '交换',
      label: 'HTTP 交换',
      filter: '过滤交换',
      filterPlaceholder: 'proto:h2 method:GET host:api status:4xx path:/items type:json conn:12',
      filterHelp: '条件须全部满足：method:GET host:api path:/items status:404（或 4xx、200-299）type:json conn:12 proto:h2（或 http1、ws、grpc）；前加 - 表示排除；不带前缀的词匹配主机和路径。',
      filterError: '过滤条件有误：{error}',
      filterHint: '过滤提示',
      decoding: '正在解码连接：{done} / {of}',
      count: '{shown} / {total} 个交换',
      empty: '此抓包中还没有 HTTP 交换。',
      emptyFiltered: '没有匹配过滤条件的交换。',
      col: {
        method: '方法',
        host: '主机',
        path: '路径',
        status: '状态',
        type: '类型',
        requestSize: '↑ 请求',
        responseSize: '↓ 响应',
        start: '开始',
        duration: '时长',
        proto: '协议',
        conn: '连接'
      },
      sortBy: '按{column}排序',
      state: { pending: '等待中', incomplete: '不完整', upgraded: '已升级', complete: '' },
      https: 'HTTPS（TLS，已解密）',
      cutName: '不完整：交换完成之前，其连接已结束（被重置或关闭），或解码已停止',
      proto: { http1: 'HTTP', websocket: 'WS', tls: 'TLS', http2: 'H2', raw: '原始', unknown: '' },
      protocol: { http1: 'HTTP/1.1', h2: 'h2', h2c: 'h2c', grpc: 'gRPC', 'grpc-web': 'gRPC-Web' },
      onStream: '{protocol} · {stream}',
      info: {
        websocket: 'WebSocket {n} 条消息',
        more: '另有 {n} 个',
        tls: '已加密',
        problem: '（解码在问题处停止）'
      },
      actions: {
        menu: '操作',
        shortcut: '对所选行的操作：复制为 curl、导出 HAR 或 pcapng、重放、作为录制服务器提供',
        curl: '复制为 curl',
        curlDelivered: '复制为 curl（目标实际收到的，经规则处理后）',
        harConn: '将连接 #{id} 导出为 HAR…',
        harListed: '将列出的 {n} 个连接导出为 HAR…',
        harAll: '将整个抓包导出为 HAR…',
        harDelivered: '将连接 #{id} 按实际送达内容导出为 HAR（经规则处理后）…',
        pcapConn: '将连接 #{id} 导出为 pcapng…',
        pcapListed: '将列出的 {n} 个连接导出为 pcapng…',
        pcapAll: '将整个抓包导出为 pcapng…',
        why: {
          noProxy: '请先启动代理：规则属于正在运行的代理，而目前没有代理在运行。',
          noProxyHint: '请先启动代理',
          h2Row: 'HTTP/2 连接承载多个请求：请在“交换”标签页中右键点击其中一个请求。',
          h2RowHint: '请用“交换”标签页',
          notHttp: '此连接不含 HTTP 请求。',
          notHttpHint: '不是 HTTP'
        }
      }
    }
  }
}
