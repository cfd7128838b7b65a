// Signing in as the operator, and the operator's actions: each one says what it will do and waits for a yes.
import { act, operator, signIn, Unauthorized } from './api.js';
import { alarmSentence } from './describe.js';

const $ = (id) => document.getElementById(id);

/** Shows the operator's buttons when signed in (or when the server runs without authentication). */
export function showOperator(insecure) {
  const signedIn = insecure || Boolean(operator.token);
  document.body.classList.toggle('operator', signedIn);
  $('sign-in').hidden = signedIn;
  $('sign-out').hidden = insecure || !signedIn;
}

/**
 * The sign-in form. `why` says what the token is for; `signedIn` runs after the server accepted it. Reads that
 * need the operator (`auth.reads: operator`) use the session cookie the same request sets.
 */
export function askForToken(why, signedIn) {
  const form = $('login');
  if (why) $('login-why').textContent = why;
  form.hidden = false;
  $('token').focus();
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const token = $('token').value.trim();
    let ok;
    try {
      ok = await signIn(token);
    } catch (err) {
      $('login-error').textContent = /429/.test(err.message) ? 'locked after repeated failures; try later' : err.message;
      return;
    }
    if (!ok) {
      $('login-error').textContent = 'wrong token';
      return;
    }
    operator.token = token;
    $('token').value = '';
    $('login-error').textContent = '';
    form.hidden = true;
    signedIn();
  };
  $('login-cancel').onclick = () => { form.hidden = true; };
}

export function signOut() {
  operator.token = null;
}

/** Opens the confirmation dialog; resolves true when the operator confirms. */
function confirmAction(sentence, okLabel) {
  const dialog = $('confirm');
  $('confirm-text').textContent = sentence;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

function report(text, bad) {
  const line = $('action-result');
  line.textContent = text;
  line.className = bad ? 'bad' : '';
  line.hidden = false;
}

const subjectName = (s) => (s.target ? s.target : 'system ' + s.system);

/**
 * The operator's actions for the panels. Each confirms, calls the API and then `done()` (a refresh); an answer of
 * 401 means the token is no longer valid: the page signs out and asks again.
 */
export function operatorActions(done, insecure) {
  const run = async (sentence, okLabel, path, body, success) => {
    if (!(await confirmAction(sentence, okLabel))) return;
    try {
      await act(path, body);
      report(success, false);
    } catch (err) {
      if (err instanceof Unauthorized) {
        signOut();
        showOperator(insecure);
        report('the operator token was refused; sign in again', true);
      } else report(okLabel + ' failed: ' + err.message, true);
    }
    done();
  };
  return {
    stop: () => run('Emergency stop: nothing but life-category commands will be carried out, and every lower command is denied, until you resume.', 'Stop', '/api/operator/stop', {}, 'emergency stop in force'),
    resume: () => run('Resume: the desired state of every actuator at this moment is dispatched to its device.', 'Resume', '/api/operator/resume', {}, 'resumed'),
    lock: (s) => run('Lock ' + subjectName(s) + ': ' + (s.target ? 'commands below life on it' : 'its commands below life') + ' are denied until you unlock it.', 'Lock', '/api/operator/lock', s, subjectName(s) + ' locked'),
    unlock: (s) => run('Unlock ' + subjectName(s) + ': its commands are arbitrated as usual again.', 'Unlock', '/api/operator/unlock', s, subjectName(s) + ' unlocked'),
    release: (system) => run('Release ' + system + ' from quarantine: its commands are accepted again (and it is quarantined again if it keeps overstepping).', 'Release', '/api/operator/release', { system }, system + ' released'),
    acknowledge: (a) => run('Acknowledge the alarm "' + alarmSentence(a.alarm) + '": it leaves the active alarms; the decision log keeps it.', 'Acknowledge', '/api/alarms/' + a.id + '/acknowledge', {}, 'alarm acknowledged'),
  };
}
