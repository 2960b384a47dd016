import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { createPlatform } from './platform'
import { StoresContext, createStores, startStores } from './stores'
import './styles/app.css'

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
