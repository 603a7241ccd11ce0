// Intercept ▸ "A command…": the dialog that starts a program through tcpscope, the sidebar's
// commands, and the panel with a command's output.
export default {
  en: {
    commands: {
      menuItem: 'A command…',
      form: {
        title: 'Intercept a command',
        intro: 'Runs one program on the engine’s machine with every TCP connection it opens going through tcpscope to its real destination, with no setting of its own changed (through proxychains4). Its connections appear live in the list.',
        line: 'Command line',
        lineHint: 'No shell runs it: quote words as in sh; for a pipeline, run sh -c \'…\'',
        cwd: 'Working folder',
        cwdHint: 'On the engine’s machine; empty: the folder tcpscope runs in',
        interceptTls: 'Intercept TLS',
        interceptTlsHint: 'read HTTPS: the program is told to trust tcpscope’s CA',
        start: 'Start',
        problem: {
          empty: 'Type the command to run',
          unclosedQuote: 'A {char} quote is not closed',
          operator: '“{char}” acts only in a shell, and no shell runs here: quote it, or run sh -c \'…\''
        }
      },
      section: 'Commands',
      running: 'running · pid {pid}',
      exitCode: 'exited with code {code}',
      signal: 'ended by {signal}',
      noConnection: 'no connection',
      oneConnection: '1 connection',
      connections: '{n} connections',
      showOwned: 'Show its connections in the list',
      showOutput: 'Output of {name}',
      stop: 'Stop {name}',
      remove: 'Remove {name}',
      output: {
        title: 'Command {id}',
        command: 'Command',
        folder: 'Folder',
        proxy: 'Forward proxy',
        tls: 'TLS',
        tlsOn: 'intercepted',
        tlsOff: 'passed through',
        state: 'State',
        stdout: 'Standard output',
        stderr: 'Standard error',
        nothing: 'Nothing written.',
        dropped: '{size} written earlier are not kept; the last {kept} are.',
        stop: 'Stop',
        stopping: 'Stopping…',
        remove: 'Remove'
      }
    }
  },
  'zh-CN': {
    commands: {
      menuItem: '命令…',
      form: {
        title: '拦截命令',
        intro: '在引擎所在的机器上运行一个程序，它打开的每个 TCP 连接都经过 tcpscope 到达真实目标，程序自身的设置不做任何改动（通过 proxychains4）。它的连接实时出现在列表中。',
        line: '命令行',
        lineHint: '不经过 shell 运行：按 sh 的方式给单词加引号；需要管道时，运行 sh -c \'…\'',
        cwd: '工作目录',
        cwdHint: '引擎所在机器上的目录；留空：tcpscope 运行时所在的目录',
        interceptTls: '拦截 TLS',
        interceptTlsHint: '读取 HTTPS：程序会被告知信任 tcpscope 的 CA',
        start: '启动',
        problem: {
          empty: '请输入要运行的命令',
          unclosedQuote: '{char} 引号没有闭合',
          operator: '“{char}”只在 shell 中起作用，而这里不运行 shell：请给它加引号，或运行 sh -c \'…\''
        }
      },
      section: '命令',
      running: '运行中 · 进程 {pid}',
      exitCode: '已退出，退出码 {code}',
      signal: '被 {signal} 结束',
      noConnection: '无连接',
      oneConnection: '1 个连接',
      connections: '{n} 个连接',
      showOwned: '在列表中显示它的连接',
      showOutput: '{name} 的输出',
      stop: '停止 {name}',
      remove: '移除 {name}',
      output: {
        title: '命令 {id}',
        command: '命令',
        folder: '目录',
        proxy: '正向代理',
        tls: 'TLS',
        tlsOn: '已拦截',
        tlsOff: '直接透传',
        state: '状态',
        stdout: '标准输出',
        stderr: '标准错误',
        nothing: '没有输出。',
        dropped: '更早写出的 {size} 未保留；保留的是最后 {kept}。',
        stop: '停止',
        stopping: '正在停止…',
        remove: '移除'
      }
    }
  }
}
