// The renderer's composition root: one Pinia, the engine store on the transport, the app.

import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { useEngineStore } from './stores/engine'
import { ipcTransport } from './transport'

const pinia = createPinia()
const app = createApp(App).use(pinia)
const transport = ipcTransport()
// Before mounting: the main process sends the snapshot once the page has loaded, and a
// message that finds no listener is lost.
if (transport) useEngineStore(pinia).attach(transport)
app.mount('#app')
