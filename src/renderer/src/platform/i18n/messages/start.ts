// The start panel of an empty window.
export default {
  en: {
    start: {
      label: 'Start',
      title: 'What do you want to do?',
      proxy: { title: 'Record a TCP service', what: 'A proxy in front of it: point your client at tcpscope and see every byte both ways.' },
      browser: { title: 'See a browser’s traffic', what: 'Starts a browser in a fresh profile through a forward proxy, its HTTPS decrypted.' },
      client: { title: 'Test a server by hand', what: 'Connect to it, send text, hex or a file, and read what comes back.' },
      server: { title: 'Be a server', what: 'Listen on a port: echo, answer by rules, send on a timer, or answer HTTP.' },
      open: { title: 'Open a capture', what: 'A .tcap file recorded earlier, to read, filter, export or replay.' },
      hint: 'This panel goes away once something runs; Help brings it back.',
      noBrowser: 'No browser that can be intercepted was found on this machine (Chromium, Chrome, Edge or Firefox).',
      show: 'Show the start panel',
      close: 'Close the start panel'
    }
  },
  'zh-CN': {
    start: {
      label: '开始',
      title: '你想做什么？',
      proxy: { title: '录制一个 TCP 服务', what: '在它前面放一个代理：让客户端连 tcpscope，双向每个字节都看得到。' },
      browser: { title: '查看浏览器的流量', what: '用全新配置启动浏览器，经正向代理，HTTPS 已解密。' },
      client: { title: '手动测试服务器', what: '连接它，发送文本、十六进制或文件，查看返回的内容。' },
      server: { title: '充当服务器', what: '监听一个端口：回显、按规则应答、定时发送或应答 HTTP。' },
      open: { title: '打开抓包文件', what: '之前录制的 .tcap 文件，可查看、过滤、导出或重放。' },
      hint: '一旦有东西在运行，此面板就会消失；可从“帮助”重新打开。',
      noBrowser: '本机没有找到可拦截的浏览器（Chromium、Chrome、Edge 或 Firefox）。',
      show: '显示开始面板',
      close: '关闭开始面板'
    }
  }
}
