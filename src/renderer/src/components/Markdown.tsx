/**
 * @module A chat answer as markdown (GitHub's flavour), rendered safely: raw HTML stays text
 * (no rehype-raw), react-markdown's default URL filter drops `javascript:` and the like, links
 * open outside the app without access to it, and each code block has its own Copy button.
 */
import type { ReactNode } from 'react'
import ReactMarkdown, { type Components } from 'react-markdown'
import remarkGfm from 'remark-gfm'
import { CopyButton } from './CopyButton'

/** The plain text of rendered children (what a code block's Copy copies). */
function textOf(node: ReactNode): string {
  if (node === null || node === undefined || typeof node === 'boolean') return ''
  if (typeof node === 'string' || typeof node === 'number') return String(node)
  if (Array.isArray(node)) return node.map(textOf).join('')
  if (typeof node === 'object' && 'props' in node)
    return textOf((node.props as { children?: ReactNode }).children)
  return ''
}

const components: Components = {
  a: ({ node: _node, href, children, ...rest }) => (
    <a {...rest} href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  ),
  pre: ({ node: _node, children }) => {
    const lang = /language-([\w+-]+)/.exec(
      (children as { props?: { className?: string } } | undefined)?.props?.className ?? ''
    )?.[1]
    return (
      <div className="code-block" data-testid="code-block">
        <div className="code-block-bar">
          <span className="muted small">{lang ?? 'code'}</span>
          <CopyButton
            text={textOf(children).replace(/\n$/, '')}
            className="small-button"
            title="Copy this code"
          />
        </div>
        <pre tabIndex={0}>{children}</pre>
      </div>
    )
  },
  img: ({ node: _node, alt, src }) => (
    // Images in an answer load nothing: a model's markdown could point anywhere.
    <span className="muted">
      [image{alt ? `: ${alt}` : ''}
      {src ? ` (${String(src)})` : ''}]
    </span>
  )
}

/** Renders `text` as markdown. */
export function Markdown(props: { text: string }): React.JSX.Element {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
        {props.text}
      </ReactMarkdown>
    </div>
  )
}
