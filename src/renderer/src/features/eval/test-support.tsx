/** Renders Eval components over stores on a fake platform (happy-dom tests). */
import { render } from '@testing-library/react'
import type { ReactNode } from 'react'
import { Toasts } from '../../components/Toasts'
import { createFakePlatform, type FakeHandlers } from '../../platform/fake-client'
import { createStores, StoresContext } from '../../stores'

export { CASES, pipelineSummary, reportFor } from './test-fixtures'

/** Renders `ui` over stores on a fake platform answering `handlers`, with events attached. */
export async function renderWith(handlers: FakeHandlers, ui: ReactNode) {
  const platform = createFakePlatform(handlers)
  const stores = createStores(platform)
  const offs = [stores.evals.getState().attach(), stores.traces.getState().attach()]
  if (handlers['pipelines.list']) await stores.pipelines.getState().refresh()
  const view = render(
    <StoresContext.Provider value={stores}>
      {ui}
      <Toasts />
    </StoresContext.Provider>
  )
  return { platform, stores, view, off: () => offs.forEach((o) => o()) }
}
