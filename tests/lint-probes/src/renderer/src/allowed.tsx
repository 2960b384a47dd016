// @ts-nocheck
// expect: clean
import { useState } from 'react'
import type { PreloadApi } from '../../preload/index'
import { formatPath } from '../../shared/config/diagnostics'

export function Probe({ api }: { api: PreloadApi }) {
  const [path] = useState(() => formatPath(['models']))
  return <p title={typeof api}>{path}</p>
}
