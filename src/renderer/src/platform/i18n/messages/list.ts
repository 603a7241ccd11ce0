// The connection list: columns, kinds, states.
export default {
  en: {
    list: {
      label: 'Connections',
      empty: 'No connections yet. Start a proxy (New proxy) or a session, then connect through it.',
      emptyFiltered: 'No connection matches the filter.',
      filterRefused: 'The filter has a mistake and was not applied: see the note under it.',
      searching: 'Searching payloads…',
      count: '{shown} of {total}',
      col: { id: '#', kind: 'kind', owner: 'owner', client: 'client', target: 'target', protocol: 'proto', info: 'info', state: 'state', sent: '↑ sent', received: '↓ received', start: 'start', duration: 'duration' },
      sortBy: 'Sort by {column}',
      rows: 'Rows',
      follow: 'Follow new connections',
      notKept: '{size} not kept (the disk was slower than the traffic)',
      answered: "{received} received: {answered} of it answered by tcpscope in the target's place (a rule, the script, or its own answer for a target that was down); the target sent {sent}",
      // The Info cell's marks of a connection whose delivered traffic was changed; a breakpoint's short word is the exchange list's (rules.badge.edited).
      changed: { breakpointName: 'Edited at a breakpoint', rule: 'rule', ruleName: 'Changed by a traffic rule or the script' },
      // A reset tcpscope made (end tcpscope-reset): the Info cell's mark says what made it, its name also to whom.
      reset: {
        mark: { rule: 'rule RST', breakpoint: 'breakpoint RST', toxic: 'toxic RST', action: 'your RST' },
        name: 'Reset by tcpscope ({by}): RST sent to {to}',
        by: { rule: 'a traffic rule or the script', breakpoint: "a breakpoint's Reset", toxic: 'a reset_peer or down toxic', action: 'your action on the connection' },
        // none: no side got an RST (a Unix socket only closes; a side already gone gets nothing).
        to: { both: 'the client and the target', client: 'the client', server: 'the target', none: 'neither side (it was closed without one)' }
      },
      kind: { proxy: 'proxy', server: 'server', client: 'client' },
      state: {
        open: 'open',
        closed: 'closed',
        'client-reset': 'client RST',
        'server-reset': 'server RST',
        'connect-failed': 'connect failed',
        'tls-failed': 'TLS failed',
        error: 'error',
        stopped: 'stopped',
        'tcpscope-reset': 'tcpscope RST',
        cut: 'cut',
        'saved-open': 'open when saved',
        'half-client': 'half-closed (client FIN)',
        'half-server': 'half-closed (server FIN)'
      }
    }
  },
  'zh-CN': {
    list: {
      label: '连接',
      empty: '还没有连接。先新建代理或会话，再通过它连接。',
      emptyFiltered: '没有匹配过滤条件的连接。',
      filterRefused: '过滤条件有误，未应用：见过滤框下方的说明。',
      searching: '正在搜索负载…',
      count: '{shown} / {total}',
      col: { id: '#', kind: '类型', owner: '所属', client: '客户端', target: '目标', protocol: '协议', info: '信息', state: '状态', sent: '↑ 发送', received: '↓ 接收', start: '开始', duration: '时长' },
      sortBy: '按{column}排序',
      rows: '行',
      follow: '跟随新连接',
      notKept: '{size} 未保存（磁盘跟不上流量）',
      answered: '接收 {received}：其中 {answered} 由 tcpscope 代替目标应答（规则、脚本，或目标不可达时它自己的应答）；目标发送了 {sent}',
      changed: { breakpointName: '在断点处修改过', rule: '规则', ruleName: '被流量规则或脚本改动过' },
      reset: {
        mark: { rule: '规则 RST', breakpoint: '断点 RST', toxic: '故障 RST', action: '你的 RST' },
        // {to} is the whole clause here, so that "no RST at all" reads as Chinese too.
        name: '被 tcpscope 重置（{by}）：{to}',
        by: { rule: '流量规则或脚本', breakpoint: '断点处的重置', toxic: 'reset_peer 或 down 故障', action: '你对连接的操作' },
        to: { both: 'RST 发给客户端和目标', client: 'RST 发给客户端', server: 'RST 发给目标', none: '没有一方收到 RST（连接只是被关闭）' }
      },
      kind: { proxy: '代理', server: '服务器', client: '客户端' },
      state: {
        open: '打开',
        closed: '已关闭',
        'client-reset': '客户端 RST',
        'server-reset': '服务器 RST',
        'connect-failed': '连接失败',
        'tls-failed': 'TLS 失败',
        error: '错误',
        stopped: '已停止',
        'tcpscope-reset': 'tcpscope RST',
        cut: '截断',
        'saved-open': '保存时仍打开',
        'half-client': '半关闭（客户端 FIN）',
        'half-server': '半关闭（服务器 FIN）'
      }
    }
  }
}
