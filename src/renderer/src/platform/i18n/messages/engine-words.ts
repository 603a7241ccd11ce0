// The engine's errors a person meets most, in Chinese (ui/engine-words.ts says
// which wording each one is). English has none of its own: there the engine's words show.
export default {
  en: {},
  'zh-CN': {
    engineWords: {
      portInUse: '无法监听 {where}：端口已被占用；请停止占用它的程序，或换一个端口（0 = 任意空闲端口）',
      socketInUse: '无法监听 {where}：这个套接字路径正被一个运行中的程序使用；请换一个路径',
      lowPort: '无法监听 {where}：权限不足；1024 以下的端口需要 root 权限，请使用 1024 及以上的端口（或一个可写的套接字路径）',
      notHere: '无法监听 {where}：本机没有这个地址；请使用 127.0.0.1、0.0.0.0 或本机的某个地址',
      noFolder: '无法监听 {where}：它所在的文件夹不存在',
      unknownHost: '{where} 中的主机未知：这个名称无法解析；请检查拼写，或使用 IP 地址',
      refused: '{where} 拒绝了连接：那里没有程序在监听；服务器在运行吗？',
      timedOut: '连接 {where} 超时：主机没有应答',
      noRoute: '无法到达 {where}：没有通往这个主机的路由',
      noSocket: '无法连接到 {where}：没有这个套接字文件；服务器在运行吗？',
      badPort: '“{input}” 中的端口有误：请使用 0 到 65535 之间的数字',
      portZero: '“{input}” 中的端口有误：请连接 1 到 65535 之间的端口（0 只在监听时表示“任意端口”）',
      badAddress: '地址 “{input}” 有误：请写成 主机:端口（例如 127.0.0.1:6379），或一个套接字路径',
      noHost: '地址 “{input}” 有误：“:” 前缺少主机',
      badHex: '第 {at} 个字符 “{digit}” 不是十六进制数字：请使用 0-9 和 a-f（可以有空格和 0x）',
      noFile: '没有这个文件：{path}',
      notCapture: '{path} 不是 tcpscope 抓包文件（没有 TCPSCAP 文件头）',
      badStatus: 'status:{value} 不是状态码、类别或范围；例如 status:404、status:4xx 或 status:200-299',
      unknownWordNear: '未知的过滤词 “{word}:”：你要写的是不是 {near}:？',
      unknownWord: '未知的过滤词 “{word}:”：请使用 {words} 或普通文本',
      // A filter's several mistakes in one line: the first few (mistake), then how many more.
      mistakes: '{count} 处错误：{list}',
      mistake: '（{n}）{text}',
      mistakesJoin: '；',
      moreMistakes: '还有 {more} 处',
      internal: '{what} 失败：内部错误（详情见 tcpscope 的日志）',
      cancelled: '已取消'
    }
  }
}
