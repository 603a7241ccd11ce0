// The renderer's composition root: one Pinia, the engine store on the transport, the app.

import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { useEngineStore } from './stores/engine'
import { connectTransport } from './transport'

const pinia = createPinia()
const app = createApp(App).use(pinia)
// Before mounting: the snapshot comes as soon as the transport is up.
useEngineStore(pinia).attach(connectTransport())
app.mount('#app')
