// The replay tab: what it offers, what a replay's connection says of its source, and its TLS
// controls (features/replay/replay-tls.ts), with the engine's TLS failures said naming them.
export default {
  en: {
    replay: {
      modes: 'Replay as',
      mode: { http: 'HTTP request', raw: 'Raw TCP', send: 'New request' },
      noHttp: 'This connection carries no HTTP request; replay it as raw TCP.',
      pickExchange: 'Select an HTTP exchange (in the HTTP tab or the exchange list) to replay it.',
      replayOf: 'replay of #{id}',
      replayOfExchange: 'replay of #{id} exchange {n}',
      goToSource: 'Go to the source connection #{id}',
      tls: {
        label: 'TLS toward the target',
        ca: 'CA file',
        caHint: 'PEM certificates to trust besides the system’s roots, on the engine’s host; empty: the CA file the capture recorded for this connection',
        caRecorded: 'recorded: {path}',
        caNone: 'none recorded',
        insecure: 'Don’t verify the server’s certificate',
        insecureHint: 'Any certificate is accepted; the replay’s connection records why it would have failed',
        trusted: 'Trusted {path} (the CA file the capture recorded)',
        trustedGiven: 'Trusted {path}',
        // The engine's TLS failures of a replay, naming these controls instead of the CLI's flags. {why} is the engine's, in English.
        cannotVerify: 'cannot verify {where}’s certificate ({why}): {fix}',
        fix: {
          trustCa: 'give its CA in “{ca}”, or tick “{insecure}”',
          otherName: 'tick “{insecure}” to send it anyway',
          checkClock: 'check the target’s certificate and this machine’s clock, or tick “{insecure}”'
        },
        recordedUnusable: '; the CA file the capture recorded, {path}, cannot be used: {why}',
        recordedOther: '; the CA file the capture recorded, {path}, does not verify it either',
        unusable: {
          notThere: 'it is not there',
          denied: 'permission denied',
          noCertificate: 'it holds no certificate tcpscope can read',
          tooLarge: 'it is too large for a CA file',
          notFile: { fifo: 'it is a FIFO (named pipe), not a file', device: 'it is a device, not a file', socket: 'it is a socket, not a file', folder: 'it is a folder, not a file' }
        },
        cannotRead: 'cannot read the “{ca}” {path}: {why}',
        readWhy: { noFile: 'no such file', denied: 'permission denied' },
        noCertificate: 'the “{ca}” {path} holds no certificate (PEM “-----BEGIN CERTIFICATE-----” or DER)'
      }
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
      goToSource: '转到源连接 #{id}',
      tls: {
        label: '到目标的 TLS',
        ca: 'CA 文件',
        caHint: '除系统根证书外额外信任的 PEM 证书（引擎主机上的路径）；留空：使用抓包为此连接记录的 CA 文件',
        caRecorded: '记录的：{path}',
        caNone: '没有记录',
        insecure: '不验证服务器证书',
        insecureHint: '接受任何证书；重放的连接会记录它本会因何失败',
        trusted: '已信任 {path}（抓包记录的 CA 文件）',
        trustedGiven: '已信任 {path}',
        cannotVerify: '无法验证 {where} 的证书（{why}）：{fix}',
        fix: {
          trustCa: '请在“{ca}”中给出它的 CA，或勾选“{insecure}”',
          otherName: '勾选“{insecure}”可照样发送',
          checkClock: '请检查目标的证书和本机时钟，或勾选“{insecure}”'
        },
        recordedUnusable: '；抓包记录的 CA 文件 {path} 无法使用：{why}',
        recordedOther: '；抓包记录的 CA 文件 {path} 也无法验证它',
        unusable: {
          notThere: '文件不存在',
          denied: '没有权限',
          noCertificate: '其中没有 tcpscope 能读取的证书',
          tooLarge: '作为 CA 文件太大',
          notFile: { fifo: '它是 FIFO（命名管道），不是文件', device: '它是设备，不是文件', socket: '它是套接字，不是文件', folder: '它是文件夹，不是文件' }
        },
        cannotRead: '无法读取“{ca}” {path}：{why}',
        readWhy: { noFile: '没有这个文件', denied: '权限不足' },
        noCertificate: '“{ca}” {path} 中没有证书（PEM “-----BEGIN CERTIFICATE-----” 或 DER）'
      }
    }
  }
}
