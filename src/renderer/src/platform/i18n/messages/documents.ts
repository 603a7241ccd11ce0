// Captures as documents: the open and save dialog, recent files, uploads and drops, the
// progress of long operations, and the switcher of open captures.
export default {
  en: {
    docs: {
      browse: 'Browse…',
      upload: 'Upload capture…',
      uploadHint: 'or drop a capture file anywhere on the window',
      recent: 'Recent files',
      noRecent: 'No recent files yet.',
      openRecent: 'Open {path}',
      forget: 'Remove {path} from recent files',
      forgotten: '{message} (removed from recent files)',
      savePlaceholder: 'copy.tcap, or a full path',
      saveFolder: 'Folder',
      savesAs: 'Saves as {path}',
      download: 'Download',
      downloadHint: 'or download a copy to this computer',
      openPlaceholder: '/path/on/the/engine/host/capture.tcap',
      progress: {
        open: 'Opening {name}',
        save: 'Saving to {name}',
        upload: 'Uploading {name}',
        download: 'Downloading {name}',
        export: 'Exporting {name}'
      },
      uploaded: '{done} of {total}',
      elapsed: '{seconds} s',
      cancelling: 'Cancelling…',
      cancelled: {
        open: 'Opening {name} was cancelled.',
        save: 'Saving to {name} was cancelled.',
        upload: 'Uploading {name} was cancelled.',
        download: 'Downloading {name} was cancelled.',
        export: 'Exporting {name} was cancelled.'
      },
      saved: 'Saved {n} connection to {path} | Saved {n} connections to {path}',
      downloaded: 'Downloaded {n} connection as {name} | Downloaded {n} connections as {name}',
      exported: 'Exported {name} ({size})',
      copied: 'Copied exchange {exchange} of connection #{conn} as a curl command',
      busy: 'Wait for {name} to finish, or cancel it.',
      dismiss: 'Dismiss',
      activity: 'Capture files',
      drop: 'Drop a capture file to open it',
      more: 'All open captures ({n})',
      switchCapture: 'Previous / next open capture',
      replaceTitle: 'Replace the existing capture?',
      replaceText: 'A capture file already exists at {path}. Replace it with the live capture? Its contents will be lost.',
      replace: 'Replace',
      keep: 'Keep it'
    }
  },
  'zh-CN': {
    docs: {
      browse: '浏览…',
      upload: '上传抓包…',
      uploadHint: '或将抓包文件拖放到窗口任意位置',
      recent: '最近的文件',
      noRecent: '还没有最近的文件。',
      openRecent: '打开 {path}',
      forget: '从最近的文件中移除 {path}',
      forgotten: '{message}（已从最近的文件中移除）',
      savePlaceholder: 'copy.tcap，或完整路径',
      saveFolder: '文件夹',
      savesAs: '将保存为 {path}',
      download: '下载',
      downloadHint: '或将副本下载到这台电脑',
      openPlaceholder: '/引擎主机上的/路径/capture.tcap',
      progress: {
        open: '正在打开 {name}',
        save: '正在保存到 {name}',
        upload: '正在上传 {name}',
        download: '正在下载 {name}',
        export: '正在导出 {name}'
      },
      uploaded: '{done} / {total}',
      elapsed: '{seconds} 秒',
      cancelling: '正在取消…',
      cancelled: {
        open: '已取消打开 {name}。',
        save: '已取消保存到 {name}。',
        upload: '已取消上传 {name}。',
        download: '已取消下载 {name}。',
        export: '已取消导出 {name}。'
      },
      saved: '已将 {n} 个连接保存到 {path}',
      downloaded: '已将 {n} 个连接下载为 {name}',
      exported: '已导出 {name}（{size}）',
      copied: '已将连接 #{conn} 的第 {exchange} 个交换复制为 curl 命令',
      busy: '请等待 {name} 完成，或将其取消。',
      dismiss: '关闭提示',
      activity: '抓包文件',
      drop: '拖放抓包文件以打开',
      more: '全部已打开的抓包（{n}）',
      switchCapture: '上一个 / 下一个已打开的抓包',
      replaceTitle: '替换已有的抓包？',
      replaceText: '{path} 处已有一个抓包文件。要用实时抓包替换它吗？它原有的内容将会丢失。',
      replace: '替换',
      keep: '保留'
    }
  }
}
