// The shell: toolbar, status bar, help, themes, languages, connection state.
export default {
  en: {
    app: {
      name: 'tcpscope',
      disconnected: 'Not connected to the engine: {reason}',
      starting: 'starting',
      missingToken: 'This page has no access token. Open the URL tcpscope printed when it started (http://…/?token=…); the token is kept for this tab only.'
    },
    toolbar: {
      label: 'Toolbar',
      newProxy: 'New proxy',
      newServer: 'Server',
      newClient: 'Client',
      captures: 'Open captures',
      live: 'live',
      closeCapture: 'Close {name}',
      filter: 'Filter connections',
      // Short enough to be whole in a 1100 px window (the title lists every word); "Filter,"
      // not "filter:", which read as one of the filter's own words.
      filterPlaceholder: 'Filter, e.g. proto:http port:6379',
      filterHelp: 'Words that must all match: port:6379 state:reset kind:proxy owner:p1 conn:12 client: target: tls:yes sni: via:socks5 changed:yes (or breakpoint, rule, reset: marked edited, rule or … RST; reset:toxic by what made tcpscope reset it) replay: text:WORDS (in the bytes); proto:http (or h2, ws, tls, raw, grpc, and the message protocols resp, postgres, mysql, mqtt, modbus, dns); the exchange words method: host: path: status: type:; a plain word is found in the endpoints, the owner or the Info column; a leading - negates one.',
      filterError: '{error}',
      filterHint: 'Filter hint',
      scanning: 'Searching payloads: {done} of {of} connections',
      scanStarting: 'Searching payloads…',
      scanStopped: 'Payload search stopped after {done} of {of} connections',
      stopScan: 'Stop search',
      // The button shows the language it switches to (中 or EN): its name holds it too.
      language: 'Language: 中 (Chinese)',
      theme: 'Theme',
      themeSystem: 'Theme: system',
      themeLight: 'Theme: light',
      themeDark: 'Theme: dark',
      help: 'Keyboard shortcuts',
      open: 'Open capture…',
      save: 'Save capture as…'
    },
    status: {
      label: 'Status',
      recording: 'recording to {path}',
      reading: 'reading {path}',
      connections: '{n} connection | {n} connections',
      matching: '{shown} of {total} connections',
      // A new filter sent, no answer yet: never the count of the filter before it.
      filtering: 'filtering {n} connection… | filtering {n} connections…',
      searching: 'searching the payloads of {n} connection… | searching the payloads of {n} connections…',
      filterRefused: 'filter not applied (it has a mistake): 0 of {n} connection shown | filter not applied (it has a mistake): 0 of {n} connections shown',
      errors: '{n} error | {n} errors',
      cut: 'cut at byte {at}',
      damaged: 'damaged at byte {at}',
      liveWriter: 'still recorded by pid {pid}',
      recordingStopped: 'recording stopped: {error}',
      unsaved: 'not saved',
      savedTo: 'saved to {path}'
    },
    help: {
      title: 'Keyboard shortcuts',
      close: 'Close',
      filter: 'Focus the filter',
      move: 'Move in the connection list',
      open: 'Open the selected connection',
      // {tabs}: the detail tabs in order, joined by tabSep; each digit key picks the one at its place.
      tabs: 'Switch detail tab by its place, 0 for the tenth: {tabs}',
      tabSep: ', ',
      find: 'Find in the stream',
      next: 'Next match',
      prev: 'Previous match',
      send: 'Send from the composer; send or replay in the Replay tab',
      help: 'This list',
      escape: 'Close a dialog or the find bar'
    },
    files: {
      openTitle: 'Open a capture file',
      saveTitle: 'Save the live capture as',
      path: 'Path on the engine host',
      open: 'Open',
      save: 'Save'
    },
    common: {
      cancel: 'Cancel',
      close: 'Close',
      start: 'Start',
      stop: 'Stop',
      loading: 'loading…',
      none: 'none',
      // An editor whose code did not load (ui/useLazyView.ts): only a page whose build was
      // replaced while it was open, which a reload fixes.
      editorNotLoaded: 'The editor could not load ({error}). Reload the page.',
      // Between the parts of a row's spoken name, which holds the row's visible cells: a mark a
      // name checker passes over (axe drops ASCII punctuation but not a Chinese comma, so
      // Chinese has a space).
      listSep: ', '
    },
    layout: {
      sidebarSplitter: 'Sidebar width',
      listSplitter: 'Connection list height'
    }
  },
  'zh-CN': {
    app: {
      name: 'tcpscope',
      disconnected: '未连接到引擎：{reason}',
      starting: '正在启动',
      missingToken: '此页面没有访问令牌。请打开 tcpscope 启动时打印的网址（http://…/?token=…）；令牌只保存在当前标签页中。'
    },
    toolbar: {
      label: '工具栏',
      newProxy: '新建代理',
      newServer: '服务器',
      newClient: '客户端',
      captures: '已打开的抓包',
      live: '实时',
      closeCapture: '关闭 {name}',
      filter: '过滤连接',
      filterPlaceholder: '过滤，例如 proto:http port:6379',
      filterHelp: '条件须全部满足：port:6379 state:reset kind:proxy owner:p1 conn:12 client: target: tls:yes sni: via:socks5 changed:yes（或 breakpoint、rule、reset：标为已修改、规则或 … RST 的；reset:toxic 按 tcpscope 重置的起因）replay: text:文字（在数据中）；proto:http（或 h2、ws、tls、raw、grpc，以及消息协议 resp、postgres、mysql、mqtt、modbus、dns）；交换条件 method: host: path: status: type:；不带前缀的词匹配端点、所属或信息列；前加 - 表示排除。',
      filterError: '过滤条件有误：{error}',
      filterHint: '过滤提示',
      scanning: '正在搜索负载：已查 {done} / {of} 个连接',
      scanStarting: '正在搜索负载…',
      scanStopped: '负载搜索已停止：已查 {done} / {of} 个连接',
      stopScan: '停止搜索',
      language: '语言：EN（英文）',
      theme: '主题',
      themeSystem: '主题：跟随系统',
      themeLight: '主题：浅色',
      themeDark: '主题：深色',
      help: '快捷键',
      open: '打开抓包…',
      save: '抓包另存为…'
    },
    status: {
      label: '状态',
      recording: '正在记录到 {path}',
      reading: '正在查看 {path}',
      connections: '{n} 个连接',
      matching: '{shown} / {total} 个连接',
      filtering: '正在过滤 {n} 个连接…',
      searching: '正在搜索 {n} 个连接的负载…',
      filterRefused: '过滤条件有误，未应用：显示 0 / {n} 个连接',
      errors: '{n} 个错误',
      cut: '在第 {at} 字节处截断',
      damaged: '在第 {at} 字节处损坏',
      liveWriter: '仍在由进程 {pid} 记录',
      recordingStopped: '记录已停止：{error}',
      unsaved: '未保存',
      savedTo: '已保存到 {path}'
    },
    help: {
      title: '快捷键',
      close: '关闭',
      filter: '聚焦过滤框',
      move: '在连接列表中移动',
      open: '打开所选连接',
      tabs: '按位置切换详情页，0 为第十个：{tabs}',
      tabSep: '、',
      find: '在数据流中查找',
      next: '下一个匹配',
      prev: '上一个匹配',
      send: '从发送区发送；在重放标签页中发送或重放',
      help: '本列表',
      escape: '关闭对话框或查找栏'
    },
    files: {
      openTitle: '打开抓包文件',
      saveTitle: '将实时抓包另存为',
      path: '引擎主机上的路径',
      open: '打开',
      save: '保存'
    },
    common: {
      cancel: '取消',
      close: '关闭',
      start: '启动',
      stop: '停止',
      loading: '加载中…',
      none: '无',
      editorNotLoaded: '编辑器未能加载（{error}）。请重新加载页面。',
      listSep: ' '
    },
    layout: {
      sidebarSplitter: '侧栏宽度',
      listSplitter: '连接列表高度'
    }
  }
}
