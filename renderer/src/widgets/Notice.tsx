// The page states every view shares: a failure (what, where, what to try), an empty state that says
// the next step, and a loading line.
import type { ReactNode } from 'react';
import type { Failure } from '../app/failures';

export function FailureNotice({ failure, onDismiss }: { failure: Failure; onDismiss?: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <div>
        <strong>{failure.title}</strong>
        <p>{failure.message}</p>
        <p className="muted">{failure.hint}</p>
      </div>
      {onDismiss ? (
        <button type="button" className="ghost" onClick={onDismiss} aria-label="Dismiss error">
          ×
        </button>
      ) : null}
    </div>
  );
}

export function SuccessNotice({ children }: { children: ReactNode }) {
  return (
    <div className="notice notice-ok" role="status">
      {children}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <strong>{title}</strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}
