// Setups: the toolbar's Setups menu, its dialogs, the offer to start the last setup again
// and the bar that says what an action did.
export default {
  en: {
    setups: {
      menu: 'Setups',
      saveAs: 'Save setup as…',
      list: 'Setups…',
      import: 'Import setup…',
      exportCurrent: 'Export current setup…',
      nothingRuns: 'nothing runs',
      count: { proxies: '{n} proxy | {n} proxies', servers: '{n} server | {n} servers', clients: '{n} client | {n} clients' },
      join: { sep: ', ', and: '{a} and {b}' },
      empty: 'nothing',
      kind: { proxy: 'proxy', server: 'server', client: 'client' },
      failure: {
        part: '{what} did not start: {message}',
        toxic: '{proxy}: toxic {name} was not added: {message}',
        breakpoint: '{proxy}: breakpoint {name} was not added: {message}',
        rules: '{proxy}: the rules {name} were not set: {message}',
        script: '{proxy}: the script {name} was not loaded: {message}'
      },
      offer: {
        label: 'Last time',
        ask: 'Start the {parts} from last time?',
        start: 'Start',
        notNow: 'Not now'
      },
      note: {
        label: 'Setups',
        startedLast: 'From last time: started {parts}.',
        startedNamed: '“{name}”: started {parts}.',
        nothingLast: 'From last time: nothing started.',
        nothingNamed: '“{name}”: nothing started.',
        failed: '{n} part did not start: | {n} parts did not start:',
        saved: 'Saved as “{name}” ({parts}).',
        imported: 'Imported as “{name}” ({parts}).',
        exported: 'Exported as {file}.',
        nothing: 'Nothing runs: there is no setup to export.',
        dismiss: 'Dismiss'
      },
      name: 'Name',
      nameHint: 'Letters, digits, spaces and . _ ( ) -',
      replace: 'Replace it',
      save: {
        title: 'Save setup as',
        holds: 'Saves {parts}, with every option, breakpoint and toxic.',
        holdsNothing: 'Nothing runs: the setup will be empty.',
        submit: 'Save'
      },
      dialog: {
        title: 'Setups',
        close: 'Close',
        loading: 'Loading…',
        none: 'No saved setup yet. Setups ▸ Save setup as… keeps what runs under a name.',
        where: 'Kept in the data folder, one JSON file each, readable by you only. A forward proxy’s password is in its setup, and in an export of it.',
        colName: 'Name',
        colHolds: 'Holds',
        colSaved: 'Saved',
        colActions: 'Actions',
        open: 'Open',
        openLabel: 'Open {name}',
        duplicate: 'Duplicate',
        duplicateLabel: 'Duplicate {name}',
        export: 'Export JSON',
        exportLabel: 'Export JSON of {name}',
        delete: 'Delete',
        deleteLabel: 'Delete {name}',
        deleteAsk: 'Delete setup “{name}”?',
        deleteWhat: 'Its file is removed from the data folder. What runs now keeps running.',
        duplicateTitle: 'Duplicate “{name}”',
        duplicateSubmit: 'Duplicate',
        copyName: '{name} copy'
      },
      importDialog: {
        title: 'Import setup',
        file: 'Setup file (.json)',
        fileHint: 'A setup exported from tcpscope, or one written by hand',
        chooseFile: 'Choose a setup file.',
        tooBig: 'This file is {size}: a setup file is at most {max}.',
        notJson: 'This file is not JSON: {error}',
        unreadable: 'This file could not be read: {error}. Choose it again.',
        problems: 'What is wrong in the file:',
        submit: 'Import'
      }
    }
  },
  'zh-CN': {
    setups: {
      menu: '配置',
      saveAs: '配置另存为…',
      list: '配置列表…',
      import: '导入配置…',
      exportCurrent: '导出当前配置…',
      nothingRuns: '没有运行中的项',
      count: { proxies: '{n} 个代理', servers: '{n} 个服务器', clients: '{n} 个客户端' },
      join: { sep: '、', and: '{a}和 {b}' },
      empty: '空',
      kind: { proxy: '代理', server: '服务器', client: '客户端' },
      failure: {
        part: '{what} 未能启动：{message}',
        toxic: '{proxy}：故障 {name} 未能添加：{message}',
        breakpoint: '{proxy}：断点 {name} 未能添加：{message}',
        rules: '{proxy}：规则 {name} 未能设置：{message}',
        script: '{proxy}：脚本 {name} 未能加载：{message}'
      },
      offer: {
        label: '上次',
        ask: '启动上次的 {parts}？',
        start: '启动',
        notNow: '暂不'
      },
      note: {
        label: '配置',
        startedLast: '上次的配置：已启动 {parts}。',
        startedNamed: '“{name}”：已启动 {parts}。',
        nothingLast: '上次的配置：没有启动任何项。',
        nothingNamed: '“{name}”：没有启动任何项。',
        failed: '{n} 项未能启动：',
        saved: '已另存为“{name}”（{parts}）。',
        imported: '已导入为“{name}”（{parts}）。',
        exported: '已导出为 {file}。',
        nothing: '没有正在运行的项：没有可导出的配置。',
        dismiss: '关闭'
      },
      name: '名称',
      nameHint: '字母、数字、空格及 . _ ( ) -',
      replace: '替换',
      save: {
        title: '配置另存为',
        holds: '保存 {parts}，包括所有选项、断点和故障。',
        holdsNothing: '没有正在运行的项：配置将为空。',
        submit: '保存'
      },
      dialog: {
        title: '配置',
        close: '关闭',
        loading: '加载中…',
        none: '还没有保存的配置。“配置 ▸ 配置另存为…”可把正在运行的项保存为一个名称。',
        where: '保存在数据目录中，每个配置一个 JSON 文件，仅你可读。正向代理的密码也在配置及其导出文件中。',
        colName: '名称',
        colHolds: '内容',
        colSaved: '保存时间',
        colActions: '操作',
        open: '打开',
        openLabel: '打开 {name}',
        duplicate: '复制',
        duplicateLabel: '复制 {name}',
        export: '导出 JSON',
        exportLabel: '导出 JSON：{name}',
        delete: '删除',
        deleteLabel: '删除 {name}',
        deleteAsk: '删除配置“{name}”？',
        deleteWhat: '将从数据目录中删除它的文件。正在运行的项继续运行。',
        duplicateTitle: '复制“{name}”',
        duplicateSubmit: '复制',
        copyName: '{name} 副本'
      },
      importDialog: {
        title: '导入配置',
        file: '配置文件（.json）',
        fileHint: '从 tcpscope 导出的配置，或手写的配置',
        chooseFile: '请选择一个配置文件。',
        tooBig: '此文件大小为 {size}：配置文件最多 {max}。',
        notJson: '此文件不是 JSON：{error}',
        unreadable: '无法读取此文件：{error}。请重新选择。',
        problems: '文件中的问题：',
        submit: '导入'
      }
    }
  }
}
