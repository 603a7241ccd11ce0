// Strings of the replay-capture part of the replay UI.
export default {
  en: { replayCapture: {} },
  'zh-CN': { replayCapture: {} }
}
