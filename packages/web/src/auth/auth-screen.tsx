import { useEffect, useId, useState, type FormEvent } from 'react';
import { PASSWORD_MIN, type RegistrationMode } from '@parley/protocol';
import { registrationMode } from '@parley/sdk';
import { inviteFromUrl } from './refusal-text.js';
import { useAppState, useController } from '../state/use-controller.js';
import { registrationProblem } from './validate.js';

type Mode = 'login' | 'register';

export function AuthScreen() {
  const controller = useController();
  const fatal = useAppState((s) => s.fatal);
  const initialInvite = inviteFromUrl(window.location.search);
  // A link with ?invite=CODE opens on the register tab with the code filled in.
  const [mode, setMode] = useState<Mode>(initialInvite ? 'register' : 'login');
  const [inviteCode, setInviteCode] = useState(initialInvite);
  const [registration, setRegistration] = useState<RegistrationMode>('open');
  useEffect(() => {
    let live = true;
    // Unknown (old server, unreachable): the form stays as it was, and the server's refusal says why.
    registrationMode(window.location.origin).then(
      (m) => live && setRegistration(m),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const name = username.trim();
    const problem = mode === 'register' ? registrationProblem(name, password) : undefined;
    if (problem || !name || !password) {
      setError(problem ?? 'Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(undefined);
    const code = inviteCode.trim();
    const failure = await controller.authenticate(mode, name, password, code === '' ? undefined : code);
    setBusy(false);
    if (failure) setError(failure);
  }

  function switchTo(next: Mode) {
    setMode(next);
    setError(undefined);
  }

  const title = mode === 'login' ? 'Sign in' : 'Create account';
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Parley
        </div>
        <h1>{mode === 'login' ? 'Welcome back' : 'Join Parley'}</h1>
        {fatal && (
          <p className="form-error" role="alert">
            {fatal}{' '}
            <button type="button" className="link-button" onClick={() => void controller.boot()}>
              Try again
            </button>
          </p>
        )}
        <div className="tabs" role="tablist" aria-label="Sign in or register">
          {(['login', 'register'] as const).map((m) => (
            <button
              key={m}
              id={`${id}-tab-${m}`}
              type="button"
              role="tab"
              aria-selected={mode === m}
              aria-controls={`${id}-panel`}
              className={mode === m ? 'tab tab-active' : 'tab'}
              onClick={() => switchTo(m)}
            >
              {m === 'login' ? 'Sign in' : 'Register'}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${mode}`}>
          {mode === 'register' && registration === 'closed' ? (
            <p className="hint" role="status">
              This server does not take new accounts. Ask its administrator to create one for you.
            </p>
          ) : (
            <form onSubmit={(e) => void submit(e)} aria-label={title} noValidate>
              <label htmlFor={`${id}-user`}>Username</label>
              <input
                id={`${id}-user`}
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                required
              />
              <label htmlFor={`${id}-pass`}>Password</label>
              <input
                id={`${id}-pass`}
                name="password"
                type="password"
                autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
                aria-describedby={mode === 'register' ? `${id}-hint` : undefined}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
              {mode === 'register' && (
                <p className="hint" id={`${id}-hint`}>
                  At least {PASSWORD_MIN} characters.
                </p>
              )}
              {mode === 'register' && registration === 'invite' && (
                <>
                  <label htmlFor={`${id}-invite`}>Invite code</label>
                  <input
                    id={`${id}-invite`}
                    name="invite"
                    autoComplete="off"
                    autoCapitalize="none"
                    spellCheck={false}
                    value={inviteCode}
                    onChange={(e) => setInviteCode(e.target.value)}
                    required
                  />
                </>
              )}
              {error && (
                <p className="form-error" role="alert">
                  {error}
                </p>
              )}
              <button type="submit" className="primary wide" disabled={busy}>
                {busy ? 'Please wait…' : title}
              </button>
            </form>
          )}
        </div>
      </div>
    </main>
  );
}
