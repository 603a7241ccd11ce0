// Proxies and sessions: the sidebar and the forms that start them.
export default {
  en: {
    sessions: {
      label: 'Proxies and sessions',
      proxies: 'Proxies',
      servers: 'Servers',
      clients: 'Clients',
      noProxies: 'No proxy yet',
      noServers: 'No server yet',
      noClients: 'No client yet',
      stopProxy: 'Stop proxy {listen}',
      stopServer: 'Stop server {listen}',
      closeClient: 'Close client {target}',
      clientsCount: '{n} client | {n} clients',
      state: { listening: 'listening', stopped: 'stopped', connecting: 'connecting', open: 'open', closed: 'closed' }
    },
    form: {
      proxyTitle: 'New proxy',
      listen: 'Listen',
      target: 'Target',
      connectTimeout: 'Connect timeout (ms)',
      start: 'Start',
      cancel: 'Cancel'
    }
  },
  'zh-CN': {
    sessions: {
      label: '代理与会话',
      proxies: '代理',
      servers: '服务器',
      clients: '客户端',
      noProxies: '暂无代理',
      noServers: '暂无服务器',
      noClients: '暂无客户端',
      stopProxy: '停止代理 {listen}',
      stopServer: '停止服务器 {listen}',
      closeClient: '关闭客户端 {target}',
      clientsCount: '{n} 个客户端',
      state: { listening: '监听中', stopped: '已停止', connecting: '连接中', open: '已连接', closed: '已关闭' }
    },
    form: {
      proxyTitle: '新建代理',
      listen: '监听地址',
      target: '目标地址',
      connectTimeout: '连接超时（毫秒）',
      start: '启动',
      cancel: '取消'
    }
  }
}
