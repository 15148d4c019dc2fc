// Sign-in with a workspace token (the one agents upload with; `sextant standalone` prints a link
// that carries the default workspace's token: #/signin?token=...). The token is checked with
// GET /v1/workspace before it is kept.
import { useEffect, useState } from 'preact/hooks';
import { workspaceInfo } from '../lib/api';
import { navigate, useLocation } from '../lib/router';
import { addWorkspace } from '../lib/session';

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const loc = useLocation();
  const [token, setToken] = useState(loc.query.get('token') ?? '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (t: string) => {
    setBusy(true);
    setError('');
    try {
      const info = await workspaceInfo(t.trim());
      addWorkspace({ token: t.trim(), name: info.name, id: info.id });
      onSignedIn();
      navigate('/');
    } catch (e) {
      setError((e as Error).message || 'sign-in failed');
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    const t = loc.query.get('token');
    if (t) void submit(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <div class="signin">
      <form onSubmit={(e) => { e.preventDefault(); void submit(token); }}>
        <h1>◭ Sextant</h1>
        <p>Sign in with a workspace token. The server keeps the token of the workspace
           <code>default</code> in <code>&lt;data dir&gt;/default.token</code>; <code>sextant workspace
           create</code> makes more.</p>
        <input data-testid="token-input" placeholder="tkn_…" value={token} autoFocus
               onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button class="btn primary" type="submit" disabled={busy || !token.trim()}
                data-testid="signin-submit">Sign in</button>
        {error && <div class="hint error" role="alert">{error}</div>}
      </form>
    </div>
  );
}
