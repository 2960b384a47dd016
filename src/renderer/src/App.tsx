import { ValidatePage } from './features/validate/ValidatePage'

export function App(): React.JSX.Element {
  // Rendering means the app is usable: e2e tests wait for this attribute, never for a timer.
  return (
    <div className="app" data-app-state="ready">
      <header className="app-header">
        <h1>llmnet desktop</h1>
        <span className="muted">pipelines of small local models</span>
      </header>
      <main>
        <ValidatePage />
      </main>
    </div>
  )
}
