// Strings of the replay-http part of the replay UI.
export default {
  en: { replayHttp: {} },
  'zh-CN': { replayHttp: {} }
}
