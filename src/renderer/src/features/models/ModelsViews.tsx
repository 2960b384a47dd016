/** The switch between the models on this computer and Discover. */
export function ModelsViews(props: { current: 'library' | 'discover' }): React.JSX.Element {
  return (
    <nav className="models-views" aria-label="Models views">
      <a href="#/models" aria-current={props.current === 'library' ? 'page' : undefined}>
        On this computer
      </a>
      <a
        href="#/models/discover"
        aria-current={props.current === 'discover' ? 'page' : undefined}
        data-testid="discover-link"
      >
        Discover
      </a>
    </nav>
  )
}
