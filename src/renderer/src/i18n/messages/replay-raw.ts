// Strings of the replay-raw part of the replay UI.
export default {
  en: { replayRaw: {} },
  'zh-CN': { replayRaw: {} }
}
