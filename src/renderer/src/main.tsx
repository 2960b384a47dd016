import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { createPlatform } from './platform'
import { StoresContext, createStores, startStores } from './stores'
import './styles/app.css'

// `llmnet serve --ui` opens `/?token=…` and answers it with a session cookie; the token has done
// its job by now, so it leaves the address bar and the history.
const url = new URL(window.location.href)
if (url.searchParams.has('token')) {
  url.searchParams.delete('token')
  window.history.replaceState(null, '', url.toString())
}

const stores = createStores(createPlatform())
startStores(stores)

const root = document.getElementById('root')
if (root) {
  createRoot(root).render(
    <StrictMode>
      <StoresContext.Provider value={stores}>
        <App />
      </StoresContext.Provider>
    </StrictMode>
  )
}
