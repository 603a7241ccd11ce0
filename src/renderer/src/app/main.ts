// The renderer's composition root: one Pinia, i18n in the user's language, the engine
// store on the transport, the app.

import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { createAppI18n } from '../platform/i18n'
import { useEngineStore } from '../platform/engine-store'
import { useSettingsStore } from '../features/settings/settings-store'
import { connectTransport } from '../platform/transport'

const pinia = createPinia()
const app = createApp(App).use(pinia)
app.use(createAppI18n(useSettingsStore(pinia).language))
// Before mounting: the snapshot comes as soon as the transport is up.
const transport = connectTransport()
if (transport) useEngineStore(pinia).attach(transport)
else useEngineStore(pinia).missingToken = true
// Mounted in a task of its own: evaluating the bundle and rendering the app are each a long
// task at start; in one they were the page's longest (about 120 ms of thread time here).
setTimeout(() => app.mount('#app'))
