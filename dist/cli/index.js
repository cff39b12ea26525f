#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 756:
/***/ ((module) => {

const { hasOwnProperty } = Object.prototype

const encode = (obj, opt = {}) => {
  if (typeof opt === 'string') {
    opt = { section: opt }
  }
  opt.align = opt.align === true
  opt.newline = opt.newline === true
  opt.sort = opt.sort === true
  opt.whitespace = opt.whitespace === true || opt.align === true
  // The `typeof` check is required because accessing the `process` directly fails on browsers.
  /* istanbul ignore next */
  opt.platform = opt.platform || (typeof process !== 'undefined' && process.platform)
  opt.bracketedArray = opt.bracketedArray !== false

  /* istanbul ignore next */
  const eol = opt.platform === 'win32' ? '\r\n' : '\n'
  const separator = opt.whitespace ? ' = ' : '='
  const children = []

  const keys = opt.sort ? Object.keys(obj).sort() : Object.keys(obj)

  let padToChars = 0
  // If aligning on the separator, then padToChars is determined as follows:
  // 1. Get the keys
  // 2. Exclude keys pointing to objects unless the value is null or an array
  // 3. Add `[]` to array keys
  // 4. Ensure non empty set of keys
  // 5. Reduce the set to the longest `safe` key
  // 6. Get the `safe` length
  if (opt.align) {
    padToChars = safe(
      (
        keys
          .filter(k => obj[k] === null || Array.isArray(obj[k]) || typeof obj[k] !== 'object')
          .map(k => Array.isArray(obj[k]) ? `${k}[]` : k)
      )
        .concat([''])
        .reduce((a, b) => safe(a).length >= safe(b).length ? a : b)
    ).length
  }

  let out = ''
  const arraySuffix = opt.bracketedArray ? '[]' : ''

  for (const k of keys) {
    const val = obj[k]
    if (val && Array.isArray(val)) {
      for (const item of val) {
        out += safe(`${k}${arraySuffix}`).padEnd(padToChars, ' ') + separator + safe(item) + eol
      }
    } else if (val && typeof val === 'object') {
      children.push(k)
    } else {
      out += safe(k).padEnd(padToChars, ' ') + separator + safe(val) + eol
    }
  }

  if (opt.section && out.length) {
    out = '[' + safe(opt.section) + ']' + (opt.newline ? eol + eol : eol) + out
  }

  for (const k of children) {
    const nk = splitSections(k, '.').join('\\.')
    const section = (opt.section ? opt.section + '.' : '') + nk
    const child = encode(obj[k], {
      ...opt,
      section,
    })
    if (out.length && child.length) {
      out += eol
    }

    out += child
  }

  return out
}

function splitSections (str, separator) {
  var lastMatchIndex = 0
  var lastSeparatorIndex = 0
  var nextIndex = 0
  var sections = []

  do {
    nextIndex = str.indexOf(separator, lastMatchIndex)

    if (nextIndex !== -1) {
      lastMatchIndex = nextIndex + separator.length

      if (nextIndex > 0 && str[nextIndex - 1] === '\\') {
        continue
      }

      sections.push(str.slice(lastSeparatorIndex, nextIndex))
      lastSeparatorIndex = nextIndex + separator.length
    }
  } while (nextIndex !== -1)

  sections.push(str.slice(lastSeparatorIndex))

  return sections
}

const decode = (str, opt = {}) => {
  opt.bracketedArray = opt.bracketedArray !== false
  const out = Object.create(null)
  let p = out
  let section = null
  //          section          |key      = value
  const re = /^\[([^\]]*)\]\s*$|^([^=]+)(=(.*))?$/i
  const lines = str.split(/[\r\n]+/g)
  const duplicates = {}

  for (const line of lines) {
    if (!line || line.match(/^\s*[;#]/) || line.match(/^\s*$/)) {
      continue
    }
    const match = line.match(re)
    if (!match) {
      continue
    }
    if (match[1] !== undefined) {
      section = unsafe(match[1])
      if (section === '__proto__') {
        // not allowed
        // keep parsing the section, but don't attach it.
        p = Object.create(null)
        continue
      }
      p = out[section] = out[section] || Object.create(null)
      continue
    }
    const keyRaw = unsafe(match[2])
    let isArray
    if (opt.bracketedArray) {
      isArray = keyRaw.length > 2 && keyRaw.slice(-2) === '[]'
    } else {
      duplicates[keyRaw] = (duplicates?.[keyRaw] || 0) + 1
      isArray = duplicates[keyRaw] > 1
    }
    const key = isArray && keyRaw.endsWith('[]')
      ? keyRaw.slice(0, -2) : keyRaw

    if (key === '__proto__') {
      continue
    }
    const valueRaw = match[3] ? unsafe(match[4]) : true
    const value = valueRaw === 'true' ||
      valueRaw === 'false' ||
      valueRaw === 'null' ? JSON.parse(valueRaw)
      : valueRaw

    // Convert keys with '[]' suffix to an array
    if (isArray) {
      if (!hasOwnProperty.call(p, key)) {
        p[key] = []
      } else if (!Array.isArray(p[key])) {
        p[key] = [p[key]]
      }
    }

    // safeguard against resetting a previously defined
    // array by accidentally forgetting the brackets
    if (Array.isArray(p[key])) {
      p[key].push(value)
    } else {
      p[key] = value
    }
  }

  // {a:{y:1},"a.b":{x:2}} --> {a:{y:1,b:{x:2}}}
  // use a filter to return the keys that have to be deleted.
  const remove = []
  for (const k of Object.keys(out)) {
    if (!hasOwnProperty.call(out, k) ||
      typeof out[k] !== 'object' ||
      Array.isArray(out[k])) {
      continue
    }

    // see if the parent section is also an object.
    // if so, add it to that, and mark this one for deletion
    const parts = splitSections(k, '.')
    p = out
    const l = parts.pop()
    const nl = l.replace(/\\\./g, '.')
    for (const part of parts) {
      if (part === '__proto__') {
        continue
      }
      if (!hasOwnProperty.call(p, part) || typeof p[part] !== 'object') {
        p[part] = Object.create(null)
      }
      p = p[part]
    }
    if (p === out && nl === l) {
      continue
    }

    p[nl] = out[k]
    remove.push(k)
  }
  for (const del of remove) {
    delete out[del]
  }

  return out
}

const isQuoted = val => {
  return (val.startsWith('"') && val.endsWith('"')) ||
    (val.startsWith("'") && val.endsWith("'"))
}

const safe = val => {
  if (
    typeof val !== 'string' ||
    val.match(/[=\r\n]/) ||
    val.match(/^\[/) ||
    (val.length > 1 && isQuoted(val)) ||
    val !== val.trim()
  ) {
    return JSON.stringify(val)
  }
  return val.split(';').join('\\;').split('#').join('\\#')
}

const unsafe = val => {
  val = (val || '').trim()
  if (isQuoted(val)) {
    // remove the single quotes before calling JSON.parse
    if (val.charAt(0) === "'") {
      val = val.slice(1, -1)
    }
    try {
      val = JSON.parse(val)
    } catch {
      // ignore errors
    }
  } else {
    // walk the val to find the first not-escaped ; character
    let esc = false
    let unesc = ''
    for (let i = 0, l = val.length; i < l; i++) {
      const c = val.charAt(i)
      if (esc) {
        if ('\\;#'.indexOf(c) !== -1) {
          unesc += c
        } else {
          unesc += '\\' + c
        }

        esc = false
      } else if (';#'.indexOf(c) !== -1) {
        break
      } else if (c === '\\') {
        esc = true
      } else {
        unesc += c
      }
    }
    if (esc) {
      unesc += '\\'
    }

    return unesc.trim()
  }
  return val
}

module.exports = {
  parse: decode,
  decode,
  stringify: encode,
  encode,
  safe,
  unsafe,
}


/***/ }),

/***/ 486:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_os__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _kernel_cancel_js__WEBPACK_IMPORTED_MODULE_11__ = __nccwpck_require__(759);
/* harmony import */ var _kernel_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(386);
/* harmony import */ var _kernel_text_js__WEBPACK_IMPORTED_MODULE_12__ = __nccwpck_require__(426);
/* harmony import */ var _plan_inputs_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(846);
/* harmony import */ var _process_execute_file_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(113);
/* harmony import */ var _engine_index_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(614);
/* harmony import */ var _engine_outcome_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(938);
/* harmony import */ var _report_json_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(521);
/* harmony import */ var _text_reporter_js__WEBPACK_IMPORTED_MODULE_7__ = __nccwpck_require__(910);
/* harmony import */ var _timestamps_js__WEBPACK_IMPORTED_MODULE_8__ = __nccwpck_require__(473);
/* harmony import */ var _options_js__WEBPACK_IMPORTED_MODULE_9__ = __nccwpck_require__(776);
/* harmony import */ var _package_json__WEBPACK_IMPORTED_MODULE_10__ = __nccwpck_require__(330);
/**
 * The command line: the action's engine outside GitHub Actions (developers' machines, hosts that
 * run Rekkord from cron or systemd). Same semantics, plain text, and exit codes that tell a
 * snapshot saved before a post hook failed from nothing saved (EXIT in options.ts).
 */













const CLI_WORDS = { edge: 'cli', setting: _options_js__WEBPACK_IMPORTED_MODULE_9__/* .settingWords */ .YJ };
const verdict = (name) => ({
    verdict: (0,_options_js__WEBPACK_IMPORTED_MODULE_9__/* .verdictName */ .B2)(name),
    exitCode: _options_js__WEBPACK_IMPORTED_MODULE_9__/* .EXIT */ .dc[name].code,
});
function cancelled(signal) {
    if (signal === null)
        return null;
    return signal === 'SIGTERM' ? 'terminated' : 'interrupted';
}
function outcome(result) {
    if ('validation' in result)
        return result.success ? 'success' : 'failed';
    const cancel = cancelled(result.cancelled);
    if (cancel)
        return cancel;
    if (result.success)
        return 'success';
    return result.rekkordDone ? 'failedAfterRekkord' : 'failed';
}
function stream(target, stamped) {
    return stamped ? new _timestamps_js__WEBPACK_IMPORTED_MODULE_8__/* .TimestampedStream */ .y(target) : target;
}
async function end(out) {
    if (out instanceof _timestamps_js__WEBPACK_IMPORTED_MODULE_8__/* .TimestampedStream */ .y)
        await new Promise((resolve) => {
            out.end(resolve);
        });
}
async function main(argv) {
    let line;
    try {
        line = (0,_options_js__WEBPACK_IMPORTED_MODULE_9__/* .readCommandLine */ .ye)(argv);
    }
    catch (error) {
        if (!(error instanceof _options_js__WEBPACK_IMPORTED_MODULE_9__/* .UsageError */ .eb))
            throw error;
        process.stderr.write(`rekkord-hooks: ${error.message}\nSee rekkord-hooks --help.\n`);
        // A cron job that asked for JSON still gets an object to read.
        if (error.json) {
            const object = (0,_report_json_js__WEBPACK_IMPORTED_MODULE_6__/* .jsonAbort */ .Rl)(error.command, verdict('usage'), error.message);
            process.stdout.write(`${(0,_report_json_js__WEBPACK_IMPORTED_MODULE_6__/* .jsonText */ .s$)(object, [])}\n`);
        }
        return _options_js__WEBPACK_IMPORTED_MODULE_9__/* .EXIT */ .dc.usage.code;
    }
    const { inputs, flags } = line;
    if (flags.has('help')) {
        process.stdout.write(`${(0,_options_js__WEBPACK_IMPORTED_MODULE_9__/* .usage */ .CI)()}\n`);
        return _options_js__WEBPACK_IMPORTED_MODULE_9__/* .EXIT */ .dc.success.code;
    }
    if (flags.has('version')) {
        process.stdout.write(`rekkord-hooks ${_package_json__WEBPACK_IMPORTED_MODULE_10__/* .version */ .rE}\n`);
        return _options_js__WEBPACK_IMPORTED_MODULE_9__/* .EXIT */ .dc.success.code;
    }
    if (!inputs.command) {
        process.stderr.write(`${(0,_options_js__WEBPACK_IMPORTED_MODULE_9__/* .usage */ .CI)()}\n`);
        return _options_js__WEBPACK_IMPORTED_MODULE_9__/* .EXIT */ .dc.usage.code;
    }
    const json = flags.has('json');
    // With --json, stdout carries the JSON alone and the log goes to stderr.
    const logTarget = json ? process.stderr : process.stdout;
    const stamped = flags.has('timestamps') || (!flags.has('no-timestamps') && !logTarget.isTTY);
    const log = stream(logTarget, stamped);
    const errors = json ? log : stream(process.stderr, stamped);
    const command = inputs.command;
    // No runner's clock here: after a cancel, the post hooks run to their end (or --hook-timeout).
    const cancel = new _kernel_cancel_js__WEBPACK_IMPORTED_MODULE_11__/* .Cancellation */ .mT(Infinity);
    let signals = 0;
    const onSignal = (signal) => {
        signals += 1;
        if (signals === 1) {
            cancel.cancel(signal);
            errors.write(`\n${signal}: stopping, then running every post hook to its end\n`);
        }
        else if (signals === 2) {
            errors.write(`\n${signal} again: ignored, the post hooks are running (a third signal stops them)\n`);
        }
        else if (signals === 3) {
            errors.write(`\n${signal} a third time: stopping the post hooks\n`);
            cancel.expire('the post phase was stopped by a third signal');
        }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const reporter = new _text_reporter_js__WEBPACK_IMPORTED_MODULE_7__/* .TextReporter */ .B(log);
    let name;
    let result = null;
    let failure = '';
    try {
        const settings = (0,_plan_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .parseSettings */ .P$)((input) => inputs[input] ?? '', {
            workspace: process.cwd(),
            tempDir: node_os__WEBPACK_IMPORTED_MODULE_0___default().tmpdir(),
            env: process.env,
        });
        result = await (0,_engine_index_js__WEBPACK_IMPORTED_MODULE_4__/* .runOperation */ .x)(settings, reporter, { cancel, execute: _process_execute_file_js__WEBPACK_IMPORTED_MODULE_3__/* .executeFile */ .s });
        if (cancel.expiredBy !== null && 'phases' in result) {
            const unfinished = (0,_engine_outcome_js__WEBPACK_IMPORTED_MODULE_5__/* .unfinishedPostHooks */ .QC)(result.phases).map((h) => `${h.phase}/${h.name}`);
            if (unfinished.length) {
                errors.write(`rekkord-hooks: post hooks that did not complete: ${(0,_kernel_text_js__WEBPACK_IMPORTED_MODULE_12__/* .oneLine */ .TN)(unfinished.join(', '))}\n`);
            }
        }
        name = outcome(result);
    }
    catch (error) {
        failure = error instanceof _kernel_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PreflightError */ .wG ? error.inWords(CLI_WORDS) : (0,_kernel_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .describeError */ .Uc)(error);
        failure = reporter.redact(failure);
        errors.write(`rekkord-hooks: ${(0,_kernel_text_js__WEBPACK_IMPORTED_MODULE_12__/* .plainLines */ .y1)(failure)}\n`);
        name =
            cancelled(cancel.signal) ??
                (error instanceof _kernel_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PreflightError */ .wG && error.setting ? 'usage' : 'failed');
    }
    await end(log);
    if (errors !== log)
        await end(errors);
    if (json) {
        const object = result
            ? (0,_report_json_js__WEBPACK_IMPORTED_MODULE_6__/* .jsonResult */ .Ao)(result, verdict(name), command)
            : (0,_report_json_js__WEBPACK_IMPORTED_MODULE_6__/* .jsonAbort */ .Rl)(command, verdict(name), failure);
        process.stdout.write(`${(0,_report_json_js__WEBPACK_IMPORTED_MODULE_6__/* .jsonText */ .s$)(object, reporter.secrets)}\n`);
    }
    return _options_js__WEBPACK_IMPORTED_MODULE_9__/* .EXIT */ .dc[name].code;
}
process.exitCode = await main(process.argv.slice(2));

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 776:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   B2: () => (/* binding */ verdictName),
/* harmony export */   CI: () => (/* binding */ usage),
/* harmony export */   YJ: () => (/* binding */ settingWords),
/* harmony export */   dc: () => (/* binding */ EXIT),
/* harmony export */   eb: () => (/* binding */ UsageError),
/* harmony export */   ye: () => (/* binding */ readCommandLine)
/* harmony export */ });
/* unused harmony exports OPTIONS, OPERANDS */
/* harmony import */ var _plan_commands_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(593);
/* harmony import */ var _plan_hook_sources_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(35);
/**
 * The command line's options, operands and exit codes, each said once: `--help`, the parser, the
 * words errors use for a setting, and the README's CLI section (scripts/docs.ts) all read these
 * tables. A new option is one row of OPTIONS; a hook source's option comes from its entry in the
 * hook-source table.
 */


const OPTIONS = [
    {
        long: 'config',
        short: 'C',
        value: 'FILE',
        setting: 'config',
        help: 'Rekkord config (default: found as Rekkord finds it)',
    },
    { long: 'channel', value: 'NAME', setting: 'channel', help: 'snapshot channel (save)' },
    {
        long: 'snapshot',
        value: 'ID',
        setting: 'snapshot',
        help: 'OID or channel to restore (restore)',
    },
    {
        long: 'destination',
        value: 'DIR',
        setting: 'destination',
        help: 'folder to restore into (restore)',
    },
    // The hook sources' own inputs (hooks-dir, batteries), from the hook-source table.
    ..._plan_hook_sources_js__WEBPACK_IMPORTED_MODULE_1__/* .HOOK_SOURCE_KINDS */ .K.flatMap((kind) => {
        const { input, option } = (0,_plan_hook_sources_js__WEBPACK_IMPORTED_MODULE_1__/* .hookSourceSpec */ .U)(kind);
        return option ? [{ long: input, setting: input, ...option }] : [];
    }),
    {
        long: 'rekkord',
        value: 'PATH',
        setting: 'rekkord',
        help: 'Rekkord executable (default: rekkord in PATH)',
    },
    {
        long: 'arg',
        value: 'ARG',
        setting: 'args',
        multiple: true,
        help: 'one more Rekkord argument, repeatable; a value may start with a dash (--arg --threads --arg 4); or put them all after --',
    },
    {
        long: 'hook-timeout',
        value: 'SEC',
        setting: 'hook-timeout',
        help: 'seconds each hook may run (default: 0, no limit)',
    },
    {
        long: 'lock-wait',
        value: 'SEC',
        setting: 'lock-wait',
        help: 'seconds to wait for another run on the same config (default: 600)',
    },
    {
        long: 'exercise',
        setting: 'exercise',
        flagValue: 'true',
        help: 'validate: also run every phase as a rehearsal',
    },
    {
        long: 'no-identify',
        setting: 'identify',
        flagValue: 'false',
        help: 'do not open the repository (rekkord identify) before the hooks',
    },
    {
        long: 'timestamps',
        help: 'a timestamp on every line (the default when stdout is not a terminal)',
    },
    { long: 'no-timestamps', help: 'no timestamps, even when stdout is not a terminal' },
    {
        long: 'json',
        help: 'print one JSON object with the result on stdout at the end; the log goes to stderr',
    },
    { long: 'version', help: 'print rekkord-hooks and its version' },
    { long: 'help', short: 'h', help: 'this help' },
];
/** The operands: the command, the paths to save, and Rekkord's own arguments after `--`. */
const OPERANDS = [
    { name: 'COMMAND', setting: 'command', help: _plan_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .OPERATIONS */ .xb.join(', ') },
    { name: 'PATH', setting: 'paths', help: 'files and folders to save (save), after the command' },
    { name: '-- ARG...', setting: 'args', help: 'everything after -- goes to Rekkord as it is' },
];
/**
 * The exit codes, from the most to the least telling: a cron job or a systemd unit can tell
 * "nothing saved" from "saved, but something failed afterwards".
 */
const EXIT = {
    success: { code: 0, meaning: 'success: every hook and Rekkord succeeded' },
    failed: {
        code: 1,
        meaning: 'nothing saved (restored, scanned): a pre hook, Rekkord, the config or a check before the hooks failed; validate found an error',
    },
    usage: {
        code: 2,
        meaning: 'usage: the command line or a setting is wrong (nothing ran)',
    },
    failedAfterRekkord: {
        code: 3,
        meaning: 'the snapshot is saved, but a post hook failed afterwards, or Rekkord failed after writing it (a failed [Link] report)',
    },
    interrupted: {
        code: 130,
        meaning: 'cancelled by SIGINT (the post hooks ran to their end with SUCCESS=0)',
    },
    terminated: {
        code: 143,
        meaning: 'cancelled by SIGTERM (the post hooks ran to their end with SUCCESS=0)',
    },
};
/** An exit code's name as `--json` gives it: `failed-after-rekkord`. */
function verdictName(name) {
    return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
/** How the command line names a setting in its errors: the option or operand that sets it. */
function settingWords(setting) {
    if (setting === 'paths')
        return 'the PATH operands';
    if (setting === 'command')
        return 'the COMMAND operand';
    const option = OPTIONS.find((o) => o.setting === setting);
    return option ? `--${option.long}` : setting;
}
const OPTION_WIDTH = 24;
function optionLabel(o) {
    const long = `--${o.long}${o.value ? ` ${o.value}` : ''}`;
    return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}
/** Text in lines of at most `width` characters, the first after `first`, the others indented. */
function wrapped(first, text, indent, width = 100) {
    const lines = [first];
    for (const word of text.split(' ')) {
        const last = lines.length - 1;
        const current = lines[last] ?? '';
        if (current.length + 1 + word.length > width && current.trim() !== '')
            lines.push(`${' '.repeat(indent)}${word}`);
        else
            lines[last] = `${current}${current.length === indent ? '' : ' '}${word}`;
    }
    return lines.join('\n');
}
function usage() {
    const options = OPTIONS.map((o) => wrapped(`  ${optionLabel(o).padEnd(OPTION_WIDTH)}`, o.help, OPTION_WIDTH + 3));
    const exits = Object.values(EXIT).map((e) => wrapped(`  ${String(e.code).padEnd(4)}`, e.meaning, 7));
    return [
        `Usage: rekkord-hooks <${_plan_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .OPERATIONS */ .xb.join('|')}> [options] [PATH...] [-- ARG...]`,
        '',
        'Runs the hooks of a Rekkord config (and of a hooks.d folder) around rekkord save, scan or',
        'restore, exactly as the GitHub Action does; validate checks the hooks without running Rekkord.',
        'The paths to save follow the command; Rekkord arguments follow -- (or --arg, repeated).',
        '',
        'Options:',
        ...options,
        '',
        'Exit codes:',
        ...exits,
        '',
        'Examples:',
        '  rekkord-hooks validate --config /etc/rekkord/rekkord.ini',
        '  rekkord-hooks save --channel nightly /var/backups/db /srv/www -- --threads 4',
        '  rekkord-hooks restore --snapshot nightly --destination /tmp/drill --hooks-dir hooks.d',
    ].join('\n');
}
/**
 * Thrown for a command line that cannot be read: exit code 2, with the usage. It carries the
 * command and whether --json was given, as far as the words could be read, so that a cron job
 * that asked for JSON still gets an object naming the command.
 */
class UsageError extends Error {
    name = 'UsageError';
    // Plain fields, not parameter properties: scripts/docs.ts runs this file with types stripped.
    command;
    json;
    constructor(message, command = '', json = false) {
        super(message);
        this.command = command;
        this.json = json;
    }
}
/**
 * The command line read by the table. An option's value is the next word whatever it starts with
 * (`--arg --threads`), or follows `=` (`--arg=--threads`, `-Cfile`); everything after `--` is
 * Rekkord's. After a word that cannot be read the rest is still read (an unknown option as one
 * without a value), and the first problem is thrown.
 */
function readCommandLine(argv) {
    const values = new Map();
    const flags = new Set();
    const operands = [];
    const rekkordArgs = [];
    let problem = null;
    for (let i = 0; i < argv.length; i++) {
        const word = argv[i] ?? '';
        if (word === '--') {
            rekkordArgs.push(...argv.slice(i + 1));
            break;
        }
        let short = false;
        let name;
        let inline;
        if (word.startsWith('--')) {
            const eq = word.indexOf('=');
            name = eq < 0 ? word.slice(2) : word.slice(2, eq);
            if (eq >= 0)
                inline = word.slice(eq + 1);
        }
        else if (word.startsWith('-') && word.length > 1) {
            short = true;
            name = word.slice(1, 2);
            if (word.length > 2)
                inline = word.slice(2);
        }
        else {
            operands.push(word);
            continue;
        }
        const option = OPTIONS.find((o) => (short ? o.short === name : o.long === name));
        if (!option) {
            problem ??= `unknown option ${short ? '-' : '--'}${name}`;
            continue;
        }
        const label = `--${option.long}`;
        if (!option.value) {
            if (inline !== undefined)
                problem ??= `${label} takes no value`;
            else
                flags.add(option.long);
            continue;
        }
        const value = inline ?? argv[++i];
        if (value === undefined) {
            problem ??= `${label} needs a value (${option.value})`;
            break;
        }
        const given = values.get(option) ?? [];
        if (given.length && !option.multiple)
            problem ??= `${label} is given twice`;
        else
            values.set(option, [...given, value]);
    }
    if (flags.has('timestamps') && flags.has('no-timestamps'))
        problem ??= '--timestamps and --no-timestamps contradict each other';
    if (problem !== null)
        throw new UsageError(problem, operands[0] ?? '', flags.has('json'));
    const [command = '', ...paths] = operands;
    const inputs = { command, paths: paths.join('\n') };
    for (const option of OPTIONS) {
        if (!option.setting)
            continue;
        if (option.value) {
            const given = values.get(option);
            if (given)
                inputs[option.setting] = given.join('\n');
        }
        else if (flags.has(option.long) && option.flagValue) {
            inputs[option.setting] = option.flagValue;
        }
    }
    if (rekkordArgs.length)
        inputs.args = [inputs.args ?? '', ...rekkordArgs].filter(Boolean).join('\n');
    return { inputs, flags };
}


/***/ }),

/***/ 910:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  B: () => (/* binding */ TextReporter)
});

// EXTERNAL MODULE: ./src/validate/findings.ts
var findings = __nccwpck_require__(10);
// EXTERNAL MODULE: ./src/engine/outcome.ts
var outcome = __nccwpck_require__(938);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(760);
// EXTERNAL MODULE: ./src/kernel/text.ts
var kernel_text = __nccwpck_require__(426);
;// CONCATENATED MODULE: ./src/report/rows.ts
/**
 * What a finished session says, whatever shows it: the rows of the hook table in the order things
 * ran, and the lines that announce phases and hooks.
 * Annotations, the job summary and the step outputs each have their own module.
 */



function rows_workspaceFile(file, workspace) {
    const rel = path.relative(workspace, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
}
/**
 * Every hook in the order it ran, with the Rekkord step between the phases (first when the post
 * step runs the post hooks of a killed main step).
 */
function hookRows(phases, step, stepFirst = false) {
    const rows = [];
    const row = (r) => {
        rows.push({ note: '', exit: '', ...r });
    };
    const stepRow = () => {
        if (!step)
            return;
        row({
            kind: 'step',
            phase: 'rekkord',
            name: `rekkord ${step.command}`,
            outcome: step.outcome,
            exit: (0,outcome/* exitColumn */.xT)(step),
            durationMs: step.outcome === 'skipped' ? null : step.durationMs,
            details: step.message,
        });
    };
    const note = (phase, text, details = '', directories) => {
        const base = { kind: 'note', phase, name: '—', outcome: null, note: text };
        row({ ...base, durationMs: null, details, ...(directories ? { directories } : {}) });
    };
    if (stepFirst)
        stepRow();
    for (const phase of phases) {
        const name = phase.label ?? phase.phase;
        if (phase.error)
            note(name, 'failure', phase.error);
        if (phase.directories.length === 0)
            note(name, 'no directory configured');
        else if (!phase.error && phase.hooks.length === 0) {
            note(name, 'no hooks', '', phase.directories);
        }
        for (const h of phase.hooks) {
            row({
                kind: 'hook',
                phase: name,
                name: h.name,
                outcome: h.outcome,
                exit: (0,outcome/* exitColumn */.xT)(h),
                durationMs: h.durationMs,
                details: h.message,
            });
        }
        if (!stepFirst && phase.phase.startsWith('pre-'))
            stepRow();
    }
    return rows;
}
/** The hook table as plain text, in aligned columns: the rows that ran, without the notes. */
function plainTable(phases, step) {
    const rows = [['PHASE', 'HOOK', 'OUTCOME', 'EXIT', 'DURATION']];
    for (const r of hookRows(phases, step).filter((row) => row.outcome !== null)) {
        const duration = r.durationMs === null ? '' : (0,kernel_text/* formatDuration */.a3)(r.durationMs);
        const word = r.outcome ? outcome/* OUTCOMES */.im[r.outcome].word : '';
        rows.push([r.phase, r.name, word, r.exit, duration].map(kernel_text/* oneLine */.TN));
    }
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    return rows.map((row) => row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd());
}
/** How a reporter announces a phase: its hooks and folders, and what it skips. */
function phaseLine(phase, directories, listing) {
    if (directories.length === 0)
        return `${phase}: no hook directory configured`;
    const skipped = listing.skipped.map((e) => `${e.name} (${e.reason})`).join(', ');
    const where = directories.join(' and ');
    return (0,kernel_text/* oneLine */.TN)(`${phase}: ${listing.hooks.length} hook(s) in ${where}${skipped ? `; skipped: ${skipped}` : ''}`);
}
/** How a reporter titles a running hook: phase, name and arguments. */
function hookTitle(phase, hook) {
    const args = hook.args.length ? ` ${hook.args.join(' ')}` : '';
    return (0,kernel_text/* oneLine */.TN)(`${phase} › ${hook.name}${args}`);
}
/** The line that closes a hook's or the Rekkord step's output: how it ended, how long it took. */
function endLine(what, result, marks) {
    const took = (0,kernel_text/* formatDuration */.a3)(result.durationMs);
    if (result.outcome === 'success')
        return (0,kernel_text/* oneLine */.TN)(`${marks.ok} ${what} succeeded in ${took}`);
    return (0,kernel_text/* oneLine */.TN)(`${marks.failed} ${what}: ${result.message} (${took})`);
}
/**
 * The warning for processes a hook (or Rekkord) left in its process group, which the run stopped:
 * each named, and for a hook how to start a service that outlives it. Null when it left none.
 */
function leftoverWarning(result) {
    const left = result.leftovers ?? [];
    if (!left.length)
        return null;
    const named = left.map((p) => `pid ${p.pid} (${p.command || '?'})`).join(', ');
    const who = 'name' in result ? `${result.phase} hook ${result.name}` : `rekkord ${result.command}`;
    const advice = 'name' in result
        ? ' A service meant to outlive its hook is started with systemctl, or with setsid and its output redirected.'
        : '';
    return {
        title: `${who} left processes running`,
        message: `${who} exited and left ${left.length} process(es) in its process group; stopped: ${named}.${advice}`,
    };
}

;// CONCATENATED MODULE: ./src/report/annotations.ts
/**
 * The error annotations of a finished session, within what the runner shows (10 errors a step),
 * and the one failure message that closes a failed step.
 */



/** The runner shows at most this many error annotations per step. */
const MAX_ERROR_ANNOTATIONS = 10;
function withTail(message, tail, lines) {
    const shown = tail.slice(-lines);
    return shown.length ? `${message}\nLast output:\n${shown.join('\n')}` : message;
}
/** One error per failed hook (as the engine listed them) and per phase that could not run. */
function hookAnnotations(phases, failed, workspace) {
    const all = [];
    const failedSet = new Set(failed);
    for (const phase of phases) {
        const name = phase.label ?? phase.phase;
        if (phase.error)
            all.push({ title: `${name} hooks did not run`, message: phase.error });
        for (const hook of phase.hooks.filter((h) => failedSet.has(h))) {
            const file = workspaceFile(hook.path, workspace);
            all.push({
                // A name is shown on one line, whatever bytes it holds.
                title: oneLine(`${name} hook ${hook.name} failed (${exitStatus(hook)})`),
                message: withTail(oneLine(`${hook.path}: ${hook.message}`), hook.tail, 5),
                ...(file ? { file } : {}),
            });
        }
    }
    return all;
}
/**
 * Cuts annotations of one kind to what the runner shows, keeping `reserved` places for others of
 * the kind (the closing failure): past that, one says how many more there are.
 */
function capAnnotations(all, reserved, noun, where) {
    const room = MAX_ERROR_ANNOTATIONS - reserved;
    if (all.length <= room)
        return all;
    const more = all.length - (room - 1);
    return [
        ...all.slice(0, room - 1),
        {
            title: `${more} more ${noun}`,
            message: `${more} more ${noun} are not shown as annotations; ${where}.`,
        },
    ];
}
/** One error per failure, cut to what the runner shows, and the step's closing failure message. */
function errorAnnotations(result, workspace) {
    const all = hookAnnotations(result.phases, result.failures.hooks, workspace);
    const { step } = result.failures;
    if (step) {
        all.push({
            title: `rekkord ${step.command} failed (${exitStatus(step)})`,
            message: withTail(step.message, step.tail, 10),
        });
    }
    for (const error of result.errors)
        all.push({ title: 'Rekkord hooks action error', message: error });
    if (result.success)
        return { annotations: all, failure: null };
    // One place is kept for the closing failure message itself.
    const annotations = capAnnotations(all, 1, 'failures', 'the job summary lists every hook');
    return { annotations, failure: failureMessage(result) };
}
/** `edge`: only the action has a post step to leave unfinished post hooks to. */
function failureMessage(result, edge = 'action') {
    const parts = [];
    const failed = result.failures.hooks;
    const total = result.phases.reduce((n, p) => n + p.hooks.length, 0);
    if (failed.length)
        parts.push(`${failed.length} of ${total} hooks failed`);
    for (const p of result.failures.phases)
        parts.push(`${p.phase}: ${p.error}`);
    parts.push(...result.errors);
    const step = result.step;
    if (result.recovery) {
        return `The main step ended before its post hooks ran; the post step ran them with SUCCESS=0: ${parts.join('; ')}`;
    }
    if (step.outcome === 'skipped')
        parts.push(`rekkord ${step.command} did not run`);
    else if (result.failures.step)
        parts.push(`rekkord ${step.command} failed (${(0,outcome/* exitStatus */.$u)(step)})`);
    const unfinished = (0,outcome/* unfinishedPostHooks */.QC)(result.phases).length;
    if (unfinished) {
        parts.push(edge === 'action'
            ? `${unfinished} post hooks left to the post step`
            : `${unfinished} post hooks did not complete`);
    }
    if (result.cancelled) {
        return `Cancelled by ${result.cancelled}; the post hooks ran with SUCCESS=0: ${parts.join('; ')}`;
    }
    return `Rekkord ${result.command} with hooks failed: ${parts.join('; ')}`;
}

// EXTERNAL MODULE: ./src/plan/config.ts
var config = __nccwpck_require__(61);
;// CONCATENATED MODULE: external "node:events"
const external_node_events_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");
;// CONCATENATED MODULE: ./src/report/log-writer.ts
/**
 * The log both reporters write to: hook output passed through as bytes with the writer's
 * backpressure, and lines of their own that always start at the start of a line.
 */

class LogWriter {
    out;
    atLineStart = true;
    constructor(out) {
        this.out = out;
    }
    /** Hook or Rekkord output; a promise when the reader is slow and the hook must wait. */
    output(chunk) {
        if (chunk.length === 0)
            return undefined;
        this.atLineStart = chunk[chunk.length - 1] === 0x0a;
        // A slow reader must slow the hook down, not fill this process's memory.
        // A pipe or file stdout is written synchronously (Node's docs, "A note on process I/O"): when
        // nothing is left queued, write() returning false for a large chunk asks for no wait.
        if (this.out.write(chunk) || this.out.writableLength === 0)
            return undefined;
        return (0,external_node_events_namespaceObject.once)(this.out, 'drain').then(() => undefined);
    }
    /** Ends a line the output left open: the runner reads a workflow command only at a line start. */
    endLine() {
        if (!this.atLineStart)
            this.out.write('\n');
        this.atLineStart = true;
    }
    /** A whole line of the reporter's own. */
    line(text) {
        this.endLine();
        this.out.write(`${text}\n`);
    }
}

;// CONCATENATED MODULE: ./src/report/live.ts



class LiveReporter {
    marks;
    log;
    constructor(out, marks) {
        this.marks = marks;
        this.log = new LogWriter(out);
    }
    /** Masks the secrets Rekkord would read; one too short to be a mask is named, never shown. */
    maskSecrets(secrets) {
        const { masks, tooShort } = (0,config/* masksOf */.JF)(secrets);
        this.addMasks(masks);
        for (const name of tooShort) {
            this.warn({
                title: 'Secret not masked',
                message: `${name} is shorter than ${config/* MIN_MASK_LENGTH */.nV} characters: it is not masked, since a mask that short would hide every occurrence in the log`,
            });
        }
    }
    note(text) {
        this.line(text);
    }
    phaseStart(phase, directories, listing) {
        this.line(phaseLine(phase, directories, listing));
    }
    hookStart(phase, hook) {
        this.open(hookTitle(phase, hook));
    }
    output(chunk) {
        return this.log.output(chunk);
    }
    hookEnd(result) {
        this.close();
        this.line(endLine(`${result.phase} ${result.name}`, result, this.marks));
        const left = leftoverWarning(result);
        if (left)
            this.warn(left);
    }
    stepStart(display, note) {
        if (note)
            this.line(note);
        this.open(display);
    }
    stepEnd(result) {
        this.close();
        const oid = result.oid ? `: snapshot ${result.oid}` : '';
        this.line(`${endLine(`rekkord ${result.command}`, result, this.marks)}${oid}`);
        if (result.outcome === 'success' && result.command === 'save' && !result.oid) {
            this.warn({
                title: 'Snapshot OID not found',
                message: 'rekkord save succeeded but printed no "Snapshot OID:" line; no OID is reported',
            });
        }
        const left = leftoverWarning(result);
        if (left)
            this.warn(left);
    }
    phaseEnd(report) {
        if (report.error)
            this.line(`${this.marks.failed} ${report.phase}: ${report.error}`);
    }
}

;// CONCATENATED MODULE: ./src/cli/text-reporter.ts
/** The command line's reporter: the same events and results as the action's, as plain text. */





/** The most findings the command line lists one per line. */
const MAX_FINDINGS_LISTED = 1000;
const MARKS = { ok: '✔', failed: '✘' };
class TextReporter extends LiveReporter {
    constructor(out = process.stdout) {
        super(out, MARKS);
    }
    /** Hidden from the reporter's own lines (a CLI in a CI job has no runner to mask them). */
    masks = [];
    /** One line of the reporter's own: a name with a newline or an escape cannot break it. */
    line(text) {
        this.log.line((0,kernel_text/* oneLine */.TN)(this.redact(text)));
    }
    /** A hook's or Rekkord's output follows its title; the closing line ends it. */
    open(title) {
        this.line(`── ${title}`);
    }
    close() {
        // Nothing to close: the output is plain text between the title and the closing line.
    }
    warn(warning) {
        this.line(`warning: ${warning.message}`);
    }
    /** Text with every secret known so far replaced by `***`. */
    redact(text) {
        return this.masks.reduce((out, mask) => out.split(mask).join('***'), text);
    }
    addMasks(masks) {
        // Longest first, so that a secret holding another is hidden whole.
        this.masks = [...new Set([...this.masks, ...masks])].sort((a, b) => b.length - a.length);
    }
    /** The masks, for `--json`: a terminal is the user's own, but the JSON is masked too. */
    get secrets() {
        return this.masks;
    }
    planned(plan) {
        const config = plan.config ? plan.config.path : 'no config';
        const version = plan.rekkordVersion ? ` ${plan.rekkordVersion}` : '';
        this.line(`Rekkord${version} at ${plan.rekkordPath}, ${config}`);
        for (const warning of plan.warnings)
            this.line(`warning: ${warning}`);
    }
    finish(result) {
        this.line('');
        if (result.lockWaitMs) {
            this.line(`Waited ${(0,kernel_text/* formatDuration */.a3)(result.lockWaitMs)} for another run on the same config`);
        }
        for (const row of plainTable(result.phases, result.step))
            this.line(row);
        if (!result.success)
            this.line(`✘ ${failureMessage(result, 'cli')}`);
        else {
            const oid = result.oid ? `: snapshot ${result.oid}` : '';
            this.line(`✔ rekkord ${result.command} with hooks succeeded${oid}`);
        }
        return Promise.resolve();
    }
    finishValidation(result) {
        const { validation, rehearsal } = result;
        this.line('');
        for (const phase of validation.phases) {
            this.line(`${phase.phase} (${phase.directories.join(' and ')}):`);
            for (const error of phase.errors)
                this.line(`  ✘ ${error}`);
            phase.hooks.forEach((hook, i) => {
                const mark = { error: '✘', warning: '!', none: '✔' }[(0,findings/* worstSeverity */.Lc)(hook.findings) ?? 'none'];
                const args = hook.args.length ? ` ${hook.args.join(' ')}` : '';
                this.line(`  ${i + 1}. ${mark} ${hook.name}${args}`);
            });
            for (const entry of phase.skipped)
                this.line(`  - ${entry.name} skipped (${entry.reason})`);
        }
        // Compiler-style lines, which editors and terminals turn into links.
        for (const f of validation.findings.slice(0, MAX_FINDINGS_LISTED)) {
            this.line(`${f.file}${f.line ? `:${f.line}` : ''}: ${f.severity}: ${f.message}`);
        }
        const more = validation.findings.length - MAX_FINDINGS_LISTED;
        if (more > 0)
            this.line(`… ${more} more findings not listed`);
        if (rehearsal) {
            this.line('');
            this.line('Rehearsal (REKKORD_HOOK_REHEARSAL=1):');
            for (const row of plainTable(rehearsal, null))
                this.line(row);
        }
        if (!result.success) {
            const parts = [`${result.errors} error(s)`];
            if (rehearsal)
                parts.push(`${result.rehearsalFailed.length} hook(s) failed in the rehearsal`);
            this.line(`✘ Hook validation failed: ${parts.join(', ')}`);
        }
        else
            this.line('✔ Every hook passed validation');
        return Promise.resolve();
    }
}


/***/ }),

/***/ 473:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  y: () => (/* binding */ TimestampedStream)
});

;// CONCATENATED MODULE: external "node:stream"
const external_node_stream_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");
;// CONCATENATED MODULE: ./src/cli/timestamps.ts
/**
 * A timestamp at the start of every line, for logs that cron or a file keep without one: local
 * time in ISO 8601 with its offset, so lines from hosts in several zones still sort and compare.
 */

const pad = (n, width = 2) => String(n).padStart(width, '0');
function timestamp(date = new Date()) {
    const offset = -date.getTimezoneOffset();
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return (`${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
        `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
        `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`);
}
/** Writes to `target` with a timestamp before each line; waits for it when it asks to. */
class TimestampedStream extends external_node_stream_namespaceObject.Writable {
    target;
    atLineStart = true;
    constructor(target) {
        super();
        this.target = target;
    }
    _write(chunk, _encoding, done) {
        const stamp = Buffer.from(`${timestamp()} `);
        const parts = [];
        let start = 0;
        while (start < chunk.length) {
            if (this.atLineStart)
                parts.push(stamp);
            const newline = chunk.indexOf(0x0a, start);
            const end = newline < 0 ? chunk.length : newline + 1;
            parts.push(chunk.subarray(start, end));
            this.atLineStart = newline >= 0;
            start = end;
        }
        if (this.target.write(Buffer.concat(parts)))
            done();
        else
            this.target.once('drain', () => {
                done();
            });
    }
}


/***/ }),

/***/ 614:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  x: () => (/* binding */ runOperation)
});

// EXTERNAL MODULE: ./src/kernel/cancel.ts
var kernel_cancel = __nccwpck_require__(759);
// EXTERNAL MODULE: ./src/plan/commands.ts
var commands = __nccwpck_require__(593);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(760);
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/kernel/faults.ts
var faults = __nccwpck_require__(352);
;// CONCATENATED MODULE: ./src/engine/step-config.ts
/**
 * The config the Rekkord step gets: the user's file as written when Rekkord takes `--no_hooks`;
 * for an older Rekkord, a private copy without `[Hooks]` (the same settings, so no hook runs twice).
 */



/**
 * Whether a repository URL names a local folder, as `rk_DecodeURL` (`src/rekkord/lib/config.cc`)
 * decides: the `S3` and `SFTP` keywords, `s3:http(s)://…`, `http(s)://…`, `ssh://…`, `sftp://…`
 * and `user@host:path` are remote; anything else is a local folder.
 */
function isLocalRepository(url) {
    if (url === 'S3' || url === 'SFTP')
        return false;
    if (/^(s3:)?https?:\/\//i.test(url) || /^(ssh|sftp):\/\//i.test(url))
        return false;
    // user@host:path, where the part before the colon holds no slash.
    if (/^[^/@:]+@[^/:]+:/.test(url))
        return false;
    return true;
}
/**
 * The text of the config the Rekkord step gets: every line as written except the `[Hooks]`
 * sections, with relative `KeyFile` and local repository `URL` made absolute so that they still
 * resolve against the original file's folder. Null when the file has no `[Hooks]` to remove.
 */
function stepConfigText(config) {
    const { doc } = config;
    if (!doc.sectionOfLine.includes('Hooks'))
        return null;
    const dir = external_node_path_default().dirname(config.path);
    const rewrites = new Map();
    for (const e of doc.entries) {
        // Only [Repository] paths resolve against the config's folder; [SSH]/[SFTP] keys are used as written.
        const isPath = (e.section === 'Repository' && e.key === 'KeyFile') ||
            (e.section === 'Repository' && e.key === 'URL' && isLocalRepository(e.value));
        if (isPath && e.value !== '' && !e.value.startsWith('~') && !external_node_path_default().isAbsolute(e.value)) {
            rewrites.set(e.line - 1, `${e.key} = ${external_node_path_default().resolve(dir, e.value)}`);
        }
    }
    const kept = doc.lines.flatMap((line, i) => doc.sectionOfLine[i] === 'Hooks' ? [] : [rewrites.get(i) ?? line]);
    return kept.join('\n') + '\n';
}
const COPY_PREFIX = 'rekkord-hooks-';
/**
 * Removes private copies left in `tempRoot` by a session that was killed before it could; returns
 * how many. Only for the post step, once every main step of the job has ended.
 */
async function removeLeftoverCopies(tempRoot) {
    const names = await readdir(tempRoot).catch(() => []);
    const left = names.filter((n) => n.startsWith(COPY_PREFIX));
    await Promise.all(left.map((n) => rm(path.join(tempRoot, n), { recursive: true, force: true })));
    return left.length;
}
/**
 * Writes the private copy (0600, in a 0700 folder) when one is needed: for a Rekkord without
 * --no_hooks, and a command it runs hooks for (`runsHooks`; restore has none in Rekkord).
 */
async function prepareStepConfig(config, tempRoot, noHooks, runsHooks = true) {
    const none = async () => { };
    if (!config)
        return { path: null, isCopy: false, cleanup: none };
    // Rekkord told --no_hooks, or running a command without hooks, gets the config as written.
    if (noHooks || !runsHooks)
        return { path: config.path, isCopy: false, cleanup: none };
    const text = stepConfigText(config);
    if (text === null)
        return { path: config.path, isCopy: false, cleanup: none };
    (0,faults/* checkpoint */.Fn)('config-copy');
    const folder = await (0,promises_.mkdtemp)(external_node_path_default().join(tempRoot, COPY_PREFIX));
    const copy = external_node_path_default().join(folder, 'rekkord.ini');
    await (0,promises_.writeFile)(copy, text, { mode: 0o600, flag: 'wx' });
    return {
        path: copy,
        isCopy: true,
        cleanup: () => (0,promises_.rm)(folder, { recursive: true, force: true }),
    };
}

// EXTERNAL MODULE: ./src/plan/discovery.ts
var discovery = __nccwpck_require__(405);
;// CONCATENATED MODULE: ./src/engine/hook-environment.ts
const BOTH = ['pre', 'post'];
const POST = ['post'];
const HOOK_VARIABLES = {
    SUCCESS: {
        stages: POST,
        description: '`1` when Rekkord succeeded and no hook has failed so far, else `0`. Not set for pre hooks (even when the runner has it).',
        value: (ctx) => (ctx.success ? '1' : '0'),
    },
    REKKORD_HOOK_COMMAND: {
        stages: BOTH,
        description: '`save`, `scan` or `restore`.',
        value: (ctx) => ctx.command,
    },
    REKKORD_HOOK_PHASE: { stages: BOTH, description: '`pre` or `post`.', value: (ctx) => ctx.stage },
    REKKORD_HOOK_CONFIG: {
        stages: BOTH,
        description: 'Absolute path of the Rekkord config (the original, never a copy), or empty.',
        value: (ctx) => ctx.configPath ?? '',
    },
    REKKORD_HOOK_CHANNEL: {
        stages: BOTH,
        description: 'The snapshot channel of a save, else empty (and for `save --no_snapshot`).',
        value: (ctx) => ctx.channel ?? '',
    },
    REKKORD_HOOK_SNAPSHOT: {
        stages: BOTH,
        description: 'The snapshot of a restore (OID or channel), else empty.',
        value: (ctx) => ctx.snapshot ?? '',
    },
    REKKORD_HOOK_DESTINATION: {
        stages: BOTH,
        description: 'The destination folder of a restore, else empty.',
        value: (ctx) => ctx.destination ?? '',
    },
    REKKORD_HOOK_REHEARSAL: {
        stages: BOTH,
        description: "`1` in validate's rehearsal (`exercise: true`): change nothing. Else unset.",
        value: (ctx) => (ctx.rehearsal ? '1' : undefined),
    },
    REKKORD_HOOK_OID: {
        stages: POST,
        description: 'The OID the save printed (the snapshot, or the object of `save --no_snapshot`), even when Rekkord failed after writing it; else empty.',
        value: (ctx) => ctx.oid ?? '',
    },
    REKKORD_HOOK_EXIT_CODE: {
        stages: POST,
        description: "Rekkord's exit code, or empty when it did not run.",
        value: (ctx) => (ctx.exitCode === null ? '' : String(ctx.exitCode)),
    },
    REKKORD_HOOK_CANCELLED: {
        stages: POST,
        description: '`1` when the run was cancelled (or the main step was killed and the post step runs the post hooks), else `0`.',
        value: (ctx) => (ctx.cancelled ? '1' : '0'),
    },
};
function hookEnvironment(base, ctx) {
    // None is inherited: a SUCCESS or REKKORD_HOOK_* of the runner must not mislead a hook.
    const env = Object.fromEntries(Object.entries(base).filter(([name]) => !(name in HOOK_VARIABLES)));
    for (const [name, variable] of Object.entries(HOOK_VARIABLES)) {
        const value = variable.stages.includes(ctx.stage) ? variable.value(ctx) : undefined;
        if (value !== undefined)
            env[name] = value;
    }
    return env;
}

// EXTERNAL MODULE: ./src/engine/outcome.ts
var outcome = __nccwpck_require__(938);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __nccwpck_require__(421);
// EXTERNAL MODULE: ./src/kernel/files.ts
var files = __nccwpck_require__(762);
;// CONCATENATED MODULE: ./src/process/memory.ts
/**
 * Keeps the memory of relaying output flat. Every chunk read from a child is a new Buffer outside
 * the V8 heap, and V8 only collects them once about 64 MiB of them pile up: a hook printing
 * gigabytes would keep the action's resident memory 60+ MiB above its base. A young-generation
 * collection every few MiB of output frees them early, for a negligible cost.
 */
const EVERY_BYTES = 4 * 1024 * 1024;
/** Loaded only when output reaches EVERY_BYTES: `node:v8` is not cheap to load at every start. */
function exposeGc() {
    try {
        const v8 = process.getBuiltinModule('node:v8');
        const vm = process.getBuiltinModule('node:vm');
        v8.setFlagsFromString('--expose-gc');
        const gc = vm.runInNewContext('gc');
        return typeof gc === 'function' ? gc : null;
    }
    catch {
        return null;
    }
}
let collect;
let sinceLast = 0;
/** Counts relayed bytes and collects the young generation every EVERY_BYTES. */
function relayed(bytes) {
    sinceLast += bytes;
    if (sinceLast < EVERY_BYTES)
        return;
    sinceLast = 0;
    if (collect === undefined)
        collect = exposeGc();
    collect?.({ type: 'minor' });
}

;// CONCATENATED MODULE: ./src/process/output-relay.ts

const TAIL_BYTES = 8192;
const TAIL_LINES = 10;
/** Keeps the last few kilobytes of a stream, however much passes through. */
class Tail {
    chunks = [];
    size = 0;
    push(chunk) {
        // Only references are kept: no copy, no scan of the bytes on the hot path.
        this.chunks.push(chunk);
        this.size += chunk.length;
        while (this.size - (this.chunks[0]?.length ?? 0) >= TAIL_BYTES) {
            this.size -= this.chunks.shift()?.length ?? 0;
        }
    }
    lines(count = TAIL_LINES) {
        const text = stripAnsi(Buffer.concat(this.chunks).subarray(-TAIL_BYTES).toString('utf8'));
        return text
            .split(/\r?\n|\r/)
            .map((l) => l.trimEnd())
            .filter((l) => l !== '')
            .slice(-count);
    }
}
function stripAnsi(text) {
    // eslint-disable-next-line no-control-regex
    return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '');
}
class OutputRelay {
    streams;
    sink;
    tail = new Tail();
    waits = 0;
    ended;
    onBlocked = null;
    constructor(streams, sink) {
        this.streams = streams;
        this.sink = sink;
        const onData = (chunk) => {
            this.take(chunk);
        };
        this.ended = Promise.all(streams.map((s) => new Promise((resolve) => {
            s.on('data', onData);
            s.once('close', resolve);
        }))).then(() => undefined);
    }
    take(chunk) {
        this.tail.push(chunk);
        relayed(chunk.length);
        const wait = this.sink(chunk);
        if (!wait)
            return;
        if (this.waits++ === 0) {
            for (const s of this.streams)
                s.pause();
            this.onBlocked?.(true);
        }
        void wait.finally(() => {
            if (--this.waits > 0)
                return;
            for (const s of this.streams)
                s.resume();
            this.onBlocked?.(false);
        });
    }
    /** Stops reading at once (the child could not be started). */
    stop() {
        for (const s of this.streams)
            s.destroy();
    }
    /**
     * Resolves once the streams end, or once `budgetMs` of reading has passed, then cuts them off.
     * Time spent waiting for the sink does not count: output the hook wrote before it exited is not
     * lost to a slow log, while a background child can delay the result by the budget at most.
     */
    drain(budgetMs) {
        return new Promise((resolve) => {
            let left = budgetMs;
            let since = 0;
            let timer;
            const cutOff = () => {
                this.stop();
            };
            const arm = () => {
                since = performance.now();
                timer = setTimeout(cutOff, left);
            };
            this.onBlocked = (blocked) => {
                if (!blocked) {
                    arm();
                    return;
                }
                clearTimeout(timer);
                left = Math.max(0, left - (performance.now() - since));
            };
            if (this.waits === 0)
                arm();
            void this.ended.then(() => {
                clearTimeout(timer);
                this.onBlocked = null;
                resolve();
            });
        });
    }
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(24);
;// CONCATENATED MODULE: ./src/process/process-group.ts
/**
 * Process groups: every child runs in its own group (`detached`, i.e. setsid), so a timeout or a
 * cancel reaches everything it started. Finding a group's live members reads `/proc`
 * asynchronously, and only once a signal 0 has found the group not empty.
 */


/** Sends a signal to a whole process group; false when the group is gone. */
function signalGroup(pgid, signal) {
    try {
        process.kill(-pgid, signal);
        return true;
    }
    catch {
        return false;
    }
}
/** The fields of `/proc/<pid>/stat` after `comm`, which may hold spaces and parentheses (proc(5)). */
function statFields(pid) {
    try {
        return fieldsOf(readFileSync(`/proc/${pid}/stat`, 'latin1'));
    }
    catch {
        return null;
    }
}
/** "pid (comm) state ppid pgrp ...": the fields after `comm`, whatever `comm` holds. */
function fieldsOf(stat) {
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
/**
 * A process's start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot): with the pid,
 * it names one process, as a pid alone is reused. Null when it cannot be read.
 */
function processStartTime(pid) {
    return statFields(pid)?.[19] ?? null;
}
/**
 * Whether `pgid` is still the group a run started: its leader is alive, leads the group, and has
 * the start time recorded when it was started. Why not, in words, or null when it is.
 */
function groupMismatch(pgid, startTime) {
    if (!Number.isSafeInteger(pgid) || pgid <= 1)
        return `${pgid} is not a process group it started`;
    if (pgid === process.pid)
        return `${pgid} is this process`;
    const fields = statFields(pgid);
    if (!fields)
        return `its leader ${pgid} is gone`;
    const [state, , group] = fields;
    if (state === 'Z')
        return `its leader ${pgid} has exited`;
    if (Number(group) !== pgid)
        return `process ${pgid} no longer leads group ${pgid}`;
    if (fields[19] !== startTime) {
        return `process ${pgid} is not the one started (its start time differs: the pid was reused)`;
    }
    return null;
}
/**
 * The pids of a group's live members (zombies do not count: an orphan that has exited stays a
 * zombie until init reaps it, which some container inits do late). Scanning `/proc` costs a read
 * per process on the host, so an empty group, the usual case once a hook has exited, is told by one
 * signal 0 (ESRCH: no process has that group) and never scanned. Null when the group has members
 * but `/proc` cannot tell which (not Linux).
 */
async function livePids(pgid) {
    try {
        process.kill(-pgid, 0);
    }
    catch (error) {
        // EPERM means a member exists that this process may not signal: it is still looked for.
        if (error.code === 'ESRCH')
            return [];
    }
    let pids;
    try {
        pids = (await (0,promises_.readdir)('/proc')).filter((name) => /^\d+$/.test(name));
    }
    catch {
        return null;
    }
    const live = await Promise.all(pids.map((pid) => liveMember(pid, pgid)));
    return pids.filter((_, i) => live[i]);
}
/**
 * The live members of a group, pid and command line, the leader first; null when the group has
 * members that cannot be named (no `/proc`).
 */
async function groupMembers(pgid) {
    const pids = await livePids(pgid);
    if (pids === null)
        return null;
    const members = await Promise.all(pids.map(async (pid) => ({
        pid: Number(pid),
        command: await (0,promises_.readFile)(`/proc/${pid}/cmdline`, 'utf8')
            .then((text) => text.replace(/\0+$/, '').replace(/\0/g, ' '))
            .catch(() => ''),
    })));
    return members.sort((a, b) => (a.pid === pgid ? -1 : b.pid === pgid ? 1 : a.pid - b.pid));
}
/** Whether `/proc/<pid>/stat` shows a live (not zombie) member of `pgid`. */
async function liveMember(pid, pgid) {
    try {
        const [state, , group] = fieldsOf(await (0,promises_.readFile)(`/proc/${pid}/stat`, 'latin1'));
        return Number(group) === pgid && state !== 'Z';
    }
    catch {
        return false;
    }
}
/** Whether a process group still has a live member (without `/proc`, whether it has any). */
async function groupAlive(pgid) {
    const pids = await livePids(pgid);
    return pids === null || pids.length > 0;
}
const FIRST_CHECK_MS = 10;
const MAX_CHECK_MS = 100;
/** Waits until the group has no live process left, sending SIGKILL once `graceMs` has passed. */
async function reapGroup(pgid, graceMs) {
    const until = performance.now() + graceMs;
    let wait = FIRST_CHECK_MS;
    while (await groupAlive(pgid)) {
        const left = until - performance.now();
        if (left <= 0) {
            signalGroup(pgid, 'SIGKILL');
            return;
        }
        await new Promise((r) => setTimeout(r, Math.min(wait, left)));
        wait = Math.min(wait * 2, MAX_CHECK_MS);
    }
}

// EXTERNAL MODULE: ./src/kernel/errors.ts
var kernel_errors = __nccwpck_require__(386);
;// CONCATENATED MODULE: ./src/process/index.ts
/**
 * Runs one child process the way hooks and Rekkord are run: directly (no shell), stdin closed, in
 * its own process group (so a timeout or a cancel stops everything it started), output passed on
 * live as raw bytes, and only a small tail kept in memory for the failure report.
 *
 * A run goes: start (a failure to start is a result, never a rejection) → wait for the child's
 * exit, with the timeout and the cancel armed → drain its output for a bounded time → if the
 * action stopped it, wait for its group to be gone. `ProcessRun` owns the state of one run.
 */






/** After SIGTERM on timeout, how long the group gets before SIGKILL. */
const KILL_GRACE_MS = 3000;
/** After exit, how long the output is still read (README: "a second later"). */
const DRAIN_MS = 1000;
/** After a cancel, a post hook past the budget gets this long after SIGTERM. */
const DEADLINE_KILL_GRACE_MS = 500;
/** Node's timers hold at most 2^31-1 ms (Node's lib/internal/timers.js, TIMEOUT_MAX). */
const TIMER_MAX_MS = 2 ** 31 - 1;
/** `setTimeout` for any delay: longer ones are chained. Returns the cancel. */
function setLongTimeout(callback, ms) {
    const due = performance.now() + ms;
    let timer;
    const step = () => {
        const left = due - performance.now();
        if (left > 1)
            timer = setTimeout(step, Math.min(left, TIMER_MAX_MS));
        else
            callback();
    };
    timer = setTimeout(step, Math.min(Math.max(ms, 0), TIMER_MAX_MS));
    return () => {
        clearTimeout(timer);
    };
}
/** Words for a failure to start, better than a bare errno (ENOENT for a missing interpreter...). */
async function startErrorText(file, error) {
    const code = error.code ?? '';
    if (code === 'ENOENT') {
        const head = (await (0,files/* readHead */.z)(file, 256))?.toString('utf8') ?? null;
        if (head === null)
            return `${file} does not exist`;
        if (head.startsWith('#!')) {
            const shebang = head.slice(2).split('\n')[0] ?? '';
            if (shebang.endsWith('\r')) {
                return 'its #! line ends with a carriage return (CRLF line endings); convert the file to LF';
            }
            return `its interpreter "${shebang.trim()}" cannot be started (not found)`;
        }
    }
    return (0,kernel_errors/* errnoSentence */.gW)('it', error, 'start');
}
class ProcessRun {
    spec;
    started = performance.now();
    stoppedBy = null;
    /** When a stopped group must be gone (SIGKILL is due then). */
    killAt = 0;
    killTimer;
    /** Disarms what only matters while the child runs: timeout, cancel, deadline. */
    whileRunning = [];
    constructor(spec) {
        this.spec = spec;
    }
    async run() {
        let child;
        try {
            child = (0,external_node_child_process_.spawn)(this.spec.file, this.spec.args, {
                cwd: this.spec.cwd,
                env: this.spec.env,
                stdio: ['ignore', 'pipe', 'pipe'],
                detached: true,
            });
        }
        catch (error) {
            return this.notStarted(error);
        }
        const relay = new OutputRelay([child.stdout, child.stderr], this.spec.onOutput);
        const ending = new Promise((resolve) => {
            // After a successful start, 'error' only reports a failed kill: the exit still comes.
            child.on('error', (error) => {
                if (child.pid === undefined)
                    resolve({ error });
            });
            child.once('exit', (code, signal) => {
                resolve({ code, signal });
            });
        });
        const pgid = child.pid;
        if (pgid !== undefined)
            this.watch(pgid);
        const end = await ending;
        this.whileRunning.forEach((disarm) => {
            disarm();
        });
        if ('error' in end || pgid === undefined) {
            relay.stop();
            return this.notStarted('error' in end ? end.error : new Error('no process id'));
        }
        const durationMs = performance.now() - this.started;
        await relay.drain(DRAIN_MS);
        // One rule, whether or not they hold the output: what the child left in its group is named
        // and stopped, so a run never ends with a hook's process silently stopped or left behind.
        // A service meant to outlive its hook leaves the group (systemctl, setsid).
        const members = this.stoppedBy ? [] : await groupMembers(pgid);
        // Without /proc (macOS) they cannot be named, but a group still alive is stopped all the same.
        const leftovers = members ?? [];
        if ((members === null || leftovers.length) && signalGroup(pgid, 'SIGTERM')) {
            await reapGroup(pgid, KILL_GRACE_MS);
        }
        // A stopped hook's background children go with it, within what is left of the grace.
        if (this.stoppedBy) {
            await reapGroup(pgid, Math.max(0, this.killAt - performance.now()));
            clearTimeout(this.killTimer);
        }
        return {
            exitCode: end.code,
            signal: end.signal,
            durationMs,
            startError: null,
            stoppedBy: this.stoppedBy,
            tail: relay.tail.lines(),
            leftovers,
        };
    }
    /** Arms the timeout and the cancel for a running child. */
    watch(pgid) {
        const { spec } = this;
        spec.onSpawn?.(pgid);
        if (spec.timeoutMs > 0) {
            const grace = spec.killGraceMs ?? KILL_GRACE_MS;
            this.whileRunning.push(setLongTimeout(() => {
                this.stop(pgid, 'timeout', 'SIGTERM', grace);
            }, spec.timeoutMs));
        }
        const cancel = spec.cancel;
        if (!cancel)
            return;
        this.whileRunning.push(cancel.onCancel((signal) => {
            if (spec.onCancel !== 'deadline') {
                this.stop(pgid, 'cancel', signal, kernel_cancel/* CANCEL_KILL_GRACE_MS */.oT);
                return;
            }
            const atDeadline = () => {
                this.stop(pgid, 'cancel', 'SIGTERM', DEADLINE_KILL_GRACE_MS);
            };
            const left = cancel.remainingMs();
            // An unbounded budget (the command line) has no clock: only `expire` ends the hook.
            if (Number.isFinite(left))
                this.whileRunning.push(setLongTimeout(atDeadline, left));
            this.whileRunning.push(cancel.onExpire(atDeadline));
        }));
    }
    /** Signals the group and sends SIGKILL after the grace, whether or not the child has exited. */
    stop(pgid, reason, signal, graceMs) {
        if (this.stoppedBy)
            return;
        this.stoppedBy = reason;
        this.killAt = performance.now() + graceMs;
        signalGroup(pgid, signal);
        this.killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
    }
    async notStarted(error) {
        return {
            exitCode: null,
            signal: null,
            durationMs: performance.now() - this.started,
            startError: await startErrorText(this.spec.file, error),
            stoppedBy: null,
            tail: [],
            leftovers: [],
        };
    }
}
/** Runs the process to its end; resolves with how it ended, never rejects. */
function runProcess(spec) {
    return new ProcessRun(spec).run();
}

;// CONCATENATED MODULE: ./src/engine/hook.ts




function notRunResult(phase, hook, reason) {
    return {
        phase,
        name: hook.name,
        path: hook.path,
        exitCode: null,
        signal: null,
        durationMs: 0,
        outcome: 'not-run',
        message: reason,
        tail: [],
    };
}
/** A hook whose process could not even be asked for (the spawn threw): it did not start. */
function startFailure(phase, hook, error) {
    return {
        ...notRunResult(phase, hook, `not started: ${(0,kernel_errors/* describeError */.Uc)(error)}`),
        outcome: 'not-started',
    };
}
async function runHook(phase, hook, options) {
    const base = { phase, name: hook.name, path: hook.path };
    if (hook.problem) {
        return {
            ...base,
            exitCode: null,
            signal: null,
            durationMs: 0,
            outcome: 'not-started',
            message: `not started: ${hook.problem.message}`,
            tail: [],
        };
    }
    (0,faults/* checkpoint */.Fn)('spawn', hook.name);
    const exit = await runProcess({
        file: hook.path,
        args: hook.args,
        cwd: options.cwd,
        env: options.env,
        onOutput: options.onOutput,
        timeoutMs: options.timeoutMs,
        cancel: options.cancel,
        onCancel: options.onCancel,
        onSpawn: options.onSpawn,
    });
    const ctx = { timeoutMs: options.timeoutMs, onCancel: options.onCancel ?? 'interrupt' };
    const leftovers = exit.leftovers.length ? { leftovers: exit.leftovers } : {};
    return { ...base, ...(0,outcome/* classifyExit */.XA)(exit, ctx), ...leftovers };
}

// EXTERNAL MODULE: ./src/plan/hook-sources.ts
var hook_sources = __nccwpck_require__(35);
;// CONCATENATED MODULE: ./src/engine/phase.ts
/**
 * One phase: its folders listed in order, then every hook run in turn (all of them, even after a
 * failure), each one's end told to the observer. Whatever goes wrong with one hook, even a throw
 * where a process should have been started, is that hook's result: the phase goes on.
 */







/** Lists every folder of a phase, in order; a folder that cannot be read is the phase's error. */
async function listPhase(phase) {
    const listing = { hooks: [], skipped: [] };
    const errors = [];
    // Real path → the first entry naming it, kept only when another source may name it again.
    const seen = phase.sources.length > 1 ? new Map() : null;
    for (const source of phase.sources) {
        try {
            (0,faults/* checkpoint */.Fn)('listing', phase.phase);
            const rules = (0,hook_sources/* hookSourceSpec */.U)(source.kind).listing;
            const one = await (0,discovery/* listHookDirectory */.bb)(source.directory, source.args, {
                ...rules,
                ...(source.names ? { names: source.names } : {}),
            });
            listing.skipped.push(...one.skipped);
            if (seen)
                await keepFirst(one, seen, listing);
            else
                listing.hooks.push(...one.hooks);
        }
        catch (error) {
            errors.push(`the hook directory ${source.directory} cannot be read: ${(0,kernel_errors/* describeError */.Uc)(error)}`);
        }
    }
    return { listing, error: errors.join('; ') };
}
/**
 * No hook runs twice through two sources: a file that an earlier source of the phase named (a
 * battery also linked into a `[Hooks]` folder, one folder given as `hooks-dir` and in `[Hooks]`)
 * is skipped with the reason, and runs at its first place only. Within one folder every entry runs,
 * links to one file included, as Rekkord runs them.
 */
async function keepFirst(one, seen, into) {
    const reals = await Promise.all(one.hooks.map((h) => (0,promises_.realpath)(h.path).catch(() => h.path)));
    const mine = new Map();
    one.hooks.forEach((hook, i) => {
        const real = reals[i] ?? hook.path;
        const earlier = seen.get(real);
        if (earlier === undefined) {
            into.hooks.push(hook);
            if (!mine.has(real))
                mine.set(real, hook.path);
        }
        else {
            into.skipped.push({
                name: hook.name,
                path: hook.path,
                reason: `the same file as ${earlier}, which runs earlier in this phase: a hook runs once`,
            });
        }
    });
    for (const [real, first] of mine)
        seen.set(real, first);
}
async function runPhase(run) {
    const { settings, phase, context, observer, cancel, alreadyRun } = run;
    const { stage } = phase;
    const title = run.label ?? phase.phase;
    const directories = phase.sources.map((s) => s.directory);
    const { listing: listed, error } = run.listed ?? (await listPhase(phase));
    const listing = alreadyRun
        ? { ...listed, hooks: listed.hooks.filter((h) => !alreadyRun.has(h.path)) }
        : listed;
    const report = {
        phase: phase.phase,
        ...(run.label ? { label: run.label } : {}),
        directories,
        hooks: [],
        skipped: listing.skipped,
        error,
    };
    observer.phaseStart(title, directories, listing, stage);
    let success = context.success && report.error === '';
    for (const hook of listing.hooks) {
        if (stage === 'pre' && cancel.cancelled) {
            const reason = `not run: cancelled by ${cancel.signal ?? ''}`;
            report.hooks.push(notRunResult(phase.phase, hook, reason));
            continue;
        }
        // Past the cancel grace, the post step (which runs even after a cancel) runs the rest.
        if (stage === 'post' && cancel.remainingMs() === 0) {
            const reason = cancel.expiredBy !== null
                ? `not run: ${cancel.expiredBy}`
                : 'not run before the cancel grace ran out; the post step runs it';
            report.hooks.push(notRunResult(phase.phase, hook, reason));
            continue;
        }
        observer.hookStart(title, hook);
        const cancelled = cancel.cancelled || alreadyRun !== undefined;
        const env = hookEnvironment(run.env, {
            ...context,
            stage,
            phase: phase.phase,
            success: success && !cancelled,
            cancelled,
        });
        let result;
        try {
            result = await runHook(phase.phase, hook, {
                cwd: settings.workspace,
                env,
                timeoutMs: settings.hookTimeoutMs,
                onOutput: (chunk) => observer.output(chunk),
                cancel,
                onCancel: stage === 'pre' ? 'interrupt' : 'deadline',
                onSpawn: (pgid) => observer.processGroup?.(pgid),
            });
        }
        catch (thrown) {
            result = startFailure(phase.phase, hook, thrown);
        }
        observer.processGroup?.(null);
        // Stopped by `expire` (the command line's third signal), not by a grace the post step makes up.
        if (cancel.expiredBy !== null && result.outcome === 'cancelled') {
            result = { ...result, message: `stopped: ${cancel.expiredBy}` };
        }
        if (result.outcome !== 'success')
            success = false;
        report.hooks.push(result);
        observer.hookEnd(result);
    }
    observer.phaseEnd(report);
    return report;
}

// EXTERNAL MODULE: ./src/validate/findings.ts
var validate_findings = __nccwpck_require__(10);
;// CONCATENATED MODULE: ./src/engine/verdict.ts


/** A phase failed when its folders could not be read or any of its hooks did not succeed. */
function phaseFailed(report) {
    return report.error !== '' || report.hooks.some((h) => h.outcome !== 'success');
}
/**
 * A session's result with its verdict: it succeeds when nothing was cancelled, every phase ran
 * and every hook in it succeeded, the Rekkord step succeeded (recovery runs none) and the action
 * had no error of its own.
 */
function sessionResult(r) {
    const failures = {
        hooks: r.phases.flatMap((p) => p.hooks.filter((h) => (0,outcome/* isFailure */.N6)(h.outcome))),
        phases: r.phases.filter((p) => p.error !== ''),
        step: (0,outcome/* isFailure */.N6)(r.step.outcome) ? r.step : null,
    };
    const success = r.cancelled === null &&
        !r.phases.some(phaseFailed) &&
        (r.recovery || r.step.outcome === 'success') &&
        r.errors.length === 0;
    const rekkordDone = r.step.outcome === 'success' || r.step.oid !== null;
    return { ...r, success, rekkordDone, failures };
}
/** The verdict of `validate`, counted once here for every edge. */
function validationResult(validation, rehearsal) {
    const errors = validation.findings.filter((f) => f.severity === 'error').length;
    const rehearsalFailed = (rehearsal ?? []).flatMap((p) => p.hooks.filter((h) => (0,outcome/* isFailure */.N6)(h.outcome)));
    const invalidHooks = validation.phases
        .flatMap((p) => p.hooks)
        .filter((h) => (0,validate_findings/* worstSeverity */.Lc)(h.findings) === 'error').length;
    return {
        validation,
        rehearsal,
        success: errors === 0 && rehearsalFailed.length === 0,
        errors,
        warnings: validation.findings.length - errors,
        invalidHooks,
        rehearsalFailed,
    };
}

// EXTERNAL MODULE: ./src/plan/config.ts
var plan_config = __nccwpck_require__(61);
;// CONCATENATED MODULE: ./src/plan/child-env.ts
/**
 * The environment hooks and Rekkord inherit: the runner's, without what belongs to the runner
 * and this action only (its tokens, its inputs and saved state, the files through which a step
 * sets outputs, environment and state), so a hook can neither use nor forge them.
 */
const RUNNER_PRIVATE = [
    /^ACTIONS_RUNTIME_(TOKEN|URL)$/,
    /^ACTIONS_ID_TOKEN_REQUEST_(TOKEN|URL)$/,
    /^ACTIONS_CACHE_URL$/,
    /^ACTIONS_RESULTS_URL$/,
    /^INPUT_/,
    /^STATE_/,
];
/** The files of the step's workflow commands: kept only when hooks may issue them. */
const COMMAND_FILES = /^GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)$/;
function childEnvironment(env, allowWorkflowCommands) {
    const out = {};
    for (const [name, value] of Object.entries(env)) {
        if (RUNNER_PRIVATE.some((p) => p.test(name)))
            continue;
        if (!allowWorkflowCommands && COMMAND_FILES.test(name))
            continue;
        out[name] = value;
    }
    return out;
}

// EXTERNAL MODULE: ./src/plan/paths.ts
var paths = __nccwpck_require__(935);
;// CONCATENATED MODULE: ./src/plan/rekkord-probe.ts
/**
 * What the action asks the installed Rekkord before any hook runs: its version, whether the
 * command takes `--no_hooks` (Rekkord 0.104+ runs the `[Hooks]` itself unless told not to), and
 * whether the repository opens with a key that may do the command (`rekkord identify`), as Rekkord
 * itself checks before its pre hooks. The edge decides how a process is run (`Execute`).
 */

/** Rekkord's log lines in English, whatever the runner's locale: the action reads them. */
function inEnglish(env) {
    return { ...env, LANGUAGE: 'en' };
}
class ProbeError extends Error {
    name = 'ProbeError';
}
/** The last lines a failed command printed, for the error. */
function lastWords(out) {
    const text = `${out.stderr}\n${out.stdout}`.trim();
    return text.split('\n').slice(-5).join('\n');
}
async function probeRekkord(execute, rekkordPath, command, env) {
    const version = await execute(rekkordPath, ['--version'], inEnglish(env));
    if (version.exitCode !== 0) {
        throw new ProbeError(`'rekkord --version' exited with code ${version.exitCode}: ${lastWords(version)}`);
    }
    const first = version.stdout.split('\n')[0]?.trim() ?? '';
    let noHooks = false;
    if ((0,commands/* commandSpec */.Lx)(command).noHooksOption) {
        const help = await execute(rekkordPath, [command, '--help'], inEnglish(env));
        noHooks = help.exitCode === 0 && /(^|[\s,])--no_hooks\b/m.test(help.stdout);
    }
    return { version: first.replace(/^rekkord\s+/i, ''), noHooks };
}
/**
 * `rekkord identify`: opens the repository and says which key it holds. Rejects with Rekkord's own
 * words when the repository does not open or the key may not do what the command needs.
 */
async function identify(execute, rekkordPath, command, ctx) {
    const args = ['identify', ...(ctx.configPath ? ['-C', ctx.configPath] : []), ...ctx.options];
    const out = await execute(rekkordPath, args, inEnglish(ctx.env), ctx.cwd);
    if (out.exitCode !== 0) {
        throw new ProbeError(`'rekkord identify' could not open the repository (exit code ${out.exitCode}): ${lastWords(out)}`);
    }
    const text = `${out.stdout}\n${out.stderr}`;
    const mode = (0,commands/* commandSpec */.Lx)(command).keyMode;
    // Rekkord names the key's role; a role without the mode the command needs is refused by it too.
    const role = /\b(Master|ReadWrite|WriteOnly|LogOnly)\b/.exec(text)?.[1] ?? '';
    if (role && !roleAllows(role, mode)) {
        throw new ProbeError(`rekkord ${command} needs a key that may ${mode}, and the repository's key has the ${role} role`);
    }
    return role;
}
/** Rekkord's key types: Master and ReadWrite read and write, WriteOnly writes, LogOnly neither. */
function roleAllows(role, mode) {
    const r = role.toLowerCase();
    if (r === 'master' || r === 'readwrite')
        return true;
    if (r === 'writeonly')
        return mode === 'write';
    return false;
}

;// CONCATENATED MODULE: ./src/plan/index.ts
/**
 * The plan: everything checked before any hook runs. Rekkord is found, the config found and read,
 * and every hook folder of the command exists; anything wrong is a PreflightError and nothing runs.
 *
 * A phase can have three sources of hooks: the config's `[Hooks]` folder (hooks run with no
 * arguments, as Rekkord runs them), the batteries the `batteries` input enables (the same way),
 * and the `hooks-dir` folder (TKLBAM style, with `OPERATION STATE`). The `hooks-dir` hooks wrap
 * the others, the batteries wrap the `[Hooks]` ones: they run first in a pre phase and last in a
 * post phase, so that what they set up (a clock, a mount, a dump) is there for everything inside.
 */










/** A command's phases, in the order they run. */
const STAGES = ['pre', 'post'];
const INSTALL_HINT = (w) => w.edge === 'action'
    ? "Install Rekkord in an earlier step (Debian/Ubuntu and RPM repositories, Windows and macOS builds: see rekkord.org), or set the 'rekkord' input to its path"
    : `Install Rekkord (Debian/Ubuntu and RPM repositories, Windows and macOS builds: see rekkord.org), or give its path with ${w.setting('rekkord')}`;
function lenientNote(setting) {
    if (setting.lenientValue === null)
        return '';
    return ` (most INI readers would read "${setting.lenientValue}", but Rekkord keeps the value verbatim: no inline comments, no quote removal)`;
}
function rekkordMissing(settings) {
    const file = external_node_path_default().resolve(settings.workspace, settings.rekkord);
    const why = !settings.rekkord.includes('/')
        ? `no executable '${settings.rekkord}' in PATH`
        : (0,external_node_fs_.existsSync)(file)
            ? `${file} is not an executable file`
            : `${file} does not exist`;
    return new kernel_errors/* PreflightError */.wG((w) => `Rekkord was not found: ${why}. ${INSTALL_HINT(w)}`);
}
/**
 * What every plan starts from: Rekkord looked for (a PreflightError when it is required and
 * missing), the config found and read as Rekkord would (or
 * null when there is none), every secret of the config, the environment and the args, and the
 * environment children get.
 */
async function planBase(settings, rekkordRequired) {
    const rekkordPath = await (0,paths/* resolveExecutable */.L)(settings.rekkord, settings.env.PATH ?? '', settings.workspace);
    if (!rekkordPath && rekkordRequired)
        throw rekkordMissing(settings);
    const located = await (0,plan_config/* locateConfig */.p0)(settings.config, {
        env: settings.env,
        cwd: settings.workspace,
        rekkordPath,
    });
    const config = located.path && located.source
        ? await (0,plan_config/* loadConfig */.Z9)(located.path, located.source, settings.env)
        : null;
    return {
        rekkordPath,
        config,
        searched: located.searched,
        secrets: [...(config?.secrets ?? []), ...(0,plan_config/* runSecrets */.To)(settings.env, settings.args)],
        childEnv: childEnvironment(settings.env, settings.allowWorkflowCommands),
    };
}
async function sourceProblem(source, config) {
    const problem = await (0,discovery/* directoryProblem */.DG)(source.directory);
    if (!problem)
        return null;
    const setting = source.setting;
    if (setting && config) {
        const detail = `[Hooks] ${setting.key} = ${setting.value}: the hook directory ${problem}${lenientNote(setting)}`;
        return {
            message: () => `${config.path}:${setting.line}: ${detail}`,
            detail,
            where: { file: config.path, line: setting.line },
        };
    }
    return {
        message: (w) => `${(0,kernel_errors/* capitalized */.l2)(w.setting((0,hook_sources/* hookSourceSpec */.U)(source.kind).input))}: the hook directory ${problem}`,
        detail: `the hook directory ${problem}`,
    };
}
/** The folders of one phase, in the order they run (see the top of this file). */
function phasePlan(settings, config, command, stage) {
    const phase = `${stage}-${command}`;
    // Each source's folders, the sources in their order for this stage (see hook-sources.ts).
    const kinds = [...hook_sources/* HOOK_SOURCE_KINDS */.K].sort((a, b) => (0,hook_sources/* hookSourceSpec */.U)(a).order[stage] - (0,hook_sources/* hookSourceSpec */.U)(b).order[stage]);
    const sources = kinds.flatMap((kind) => {
        const spec = (0,hook_sources/* hookSourceSpec */.U)(kind);
        return spec.folders(settings, config, phase).map((folder) => ({
            kind,
            ...folder,
            args: spec.args(command, stage),
        }));
    });
    return { phase, stage, command, sources };
}
function lenientWarnings(plan, config) {
    return plan.sources.flatMap((s) => s.setting?.lenientValue != null && config
        ? [
            `${config.path}:${s.setting.line}: [Hooks] ${s.setting.key} = ${s.setting.value}: Rekkord reads the directory as "${s.setting.value}"${lenientNote(s.setting)}`,
        ]
        : []);
}
/** When no key file is named anywhere: where Rekkord looks for one, newest variable first. */
function keyHint(repository, w) {
    if (repository.keyFileNamed)
        return '';
    const [newest, older] = plan_config/* KEY_FILE_VARIABLES */.d8;
    return ` No key file is named: set [Repository] KeyFile in the config, -K FILE in ${(0,commands/* rekkordArguments */.xz)(w, '-K FILE')}, or ${newest} (${older} for builds that read the older name).`;
}
async function makePlan(settings, options = {}) {
    const command = settings.command;
    if (command === 'validate')
        throw new kernel_errors/* PreflightError */.wG('validate has no Rekkord step to plan');
    const base = await planBase(settings, !options.recovery);
    const { config, childEnv } = base;
    const rekkordPath = base.rekkordPath ?? settings.rekkord;
    options.maskSecrets?.(base.secrets);
    await options.beforeProbe?.(config?.path ?? null);
    const [pre, post] = STAGES.map((stage) => phasePlan(settings, config, command, stage));
    const repository = (0,plan_config/* repositoryAccess */.bO)(config, settings.args, childEnv);
    if (!options.recovery) {
        // Every [Hooks] folder, whatever the command: Rekkord refuses a config whose folder it cannot
        // list (`lib/config.cc`), so a scan fails on a missing pre-save folder too.
        const configured = (0,plan_config/* allHookDirectories */.KZ)(config).map((setting) => ({
            kind: 'config',
            directory: setting.directory,
            setting,
        }));
        // The other sources' folders: the same for pre and post, so each is checked once.
        const others = new Map();
        for (const s of [...pre.sources, ...post.sources]) {
            if ((0,hook_sources/* hookSourceSpec */.U)(s.kind).input !== 'config' && !others.has(s.directory))
                others.set(s.directory, s);
        }
        const sources = [...configured, ...others.values()];
        for (const source of sources) {
            const problem = await sourceProblem(source, config);
            if (problem)
                throw new kernel_errors/* PreflightError */.wG(problem.message, problem.where);
        }
        await (0,commands/* commandSpec */.Lx)(command).preflight?.(settings);
    }
    let rekkordVersion = null;
    let noHooks = false;
    let keyRole = null;
    if (options.execute && !options.recovery) {
        const execute = options.execute;
        try {
            const info = await probeRekkord(execute, rekkordPath, command, childEnv);
            rekkordVersion = info.version;
            noHooks = info.noHooks;
        }
        catch (error) {
            throw new kernel_errors/* PreflightError */.wG((w) => `Rekkord at ${rekkordPath} does not run: ${error.message}. ${INSTALL_HINT(w)}`);
        }
        if (!settings.skipIdentify) {
            // Rekkord opens the repository before its pre hooks: when it cannot, no hook may run.
            const ctx = {
                configPath: config?.path ?? null,
                options: repository.options,
                cwd: settings.workspace,
                env: childEnv,
            };
            keyRole = await identify(execute, rekkordPath, command, ctx).catch((error) => {
                throw new kernel_errors/* PreflightError */.wG((w) => `No hook ran: ${error.message}.${keyHint(repository, w)} ${w.edge === 'action' ? "Set 'identify: false'" : 'Use --no-identify'} to rehearse without the repository`);
            });
        }
    }
    return {
        settings,
        command,
        rekkordPath,
        rekkordVersion,
        noHooks,
        keyRole,
        config,
        configSearched: base.searched,
        secrets: base.secrets,
        childEnv,
        pre,
        post,
        warnings: [...lenientWarnings(pre, config), ...lenientWarnings(post, config)],
    };
}
async function makeValidationPlan(settings) {
    // Rekkord is not needed to validate, but its folder is one place the config may be.
    const { config, searched, secrets, childEnv } = await planBase(settings, false);
    const phases = commands/* COMMANDS */.Lo.flatMap((command) => STAGES.map((stage) => phasePlan(settings, config, command, stage))).filter((p) => p.sources.length > 0);
    if (!config && phases.length === 0) {
        // The inputs that name hook folders of their own, read from the hook-source table.
        const inputs = hook_sources/* HOOK_SOURCE_KINDS */.K.map((k) => (0,hook_sources/* hookSourceSpec */.U)(k).input).filter((i) => i !== 'config');
        throw new kernel_errors/* PreflightError */.wG(`Nothing to validate: no Rekkord config (searched ${searched.join(', ')}) and no ${inputs.map((i) => `'${i}'`).join(' or ')}`);
    }
    return { settings, config, configSearched: searched, secrets, childEnv, phases };
}

// EXTERNAL MODULE: ./src/kernel/text.ts
var kernel_text = __nccwpck_require__(426);
// EXTERNAL MODULE: ./src/plan/types.ts
var types = __nccwpck_require__(898);
;// CONCATENATED MODULE: ./src/engine/rekkord-step.ts






/**
 * The OID lines (cli/snapshot.cc, newest): `Snapshot OID:` for a save, `Data OID:` for `save
 * --no_snapshot`; then `M` (metadata) or `R` (raw) and a 64-digit BLAKE3 hash. Rekkord is asked for
 * English, and the French lines (i18n/fr.json@306dbb29) are read too, for a build that ignores it.
 */
const OID_LINES = [
    [new RegExp(`^Snapshot OID: (${types/* OID */.V})$`), 'snapshot'],
    [new RegExp(`^OID de l'instantané : (${types/* OID */.V})$`), 'snapshot'],
    [new RegExp(`^Data OID: (${types/* OID */.V})$`), 'data'],
    [new RegExp(`^OID de l'objet : (${types/* OID */.V})$`), 'data'],
];
/** Longest line the OID scanner keeps; longer ones (progress bars, binary junk) are dropped. */
const MAX_LINE = 4096;
function stepArguments(spec) {
    const argv = [spec.command];
    if (spec.configPath)
        argv.push('-C', spec.configPath);
    if (spec.noHooks)
        argv.push('--no_hooks');
    argv.push(...spec.args, ...spec.operands);
    return argv;
}
/** Reads the OID lines out of a byte stream, whatever the chunking; the last one wins. */
class OidScanner {
    oid = null;
    kind = 'snapshot';
    partial = '';
    decoder = new TextDecoder('utf-8');
    push(chunk) {
        const text = this.partial + this.decoder.decode(chunk, { stream: true });
        const lines = text.split(/\r?\n|\r/);
        this.partial = lines.pop() ?? '';
        if (this.partial.length > MAX_LINE)
            this.partial = '';
        for (const line of lines)
            this.scan(line);
    }
    end() {
        this.scan(this.partial);
        this.partial = '';
    }
    scan(line) {
        if (line.length > MAX_LINE)
            return;
        const text = stripAnsi(line).trim();
        for (const [pattern, kind] of OID_LINES) {
            const match = pattern.exec(text);
            if (match?.[1])
                [this.oid, this.kind] = [match[1], kind];
        }
    }
}
async function runStep(spec, options) {
    const scanner = new OidScanner();
    (0,faults/* checkpoint */.Fn)('spawn', 'rekkord');
    const exit = await runProcess({
        file: spec.rekkordPath,
        args: stepArguments(spec),
        cwd: options.cwd,
        // Rekkord translates its log lines: force English so the OID line can be read.
        env: inEnglish(options.env),
        onOutput: (chunk) => {
            scanner.push(chunk);
            return options.onOutput(chunk);
        },
        timeoutMs: 0,
        cancel: options.cancel,
        onCancel: 'interrupt',
        onSpawn: options.onSpawn,
    });
    scanner.end();
    const ending = (0,outcome/* classifyExit */.XA)(exit, { timeoutMs: 0, onCancel: 'interrupt' });
    // What Rekkord left in its group was stopped: named, as a hook's leftovers are.
    const leftovers = exit.leftovers.length ? { leftovers: exit.leftovers } : {};
    return {
        ...ending,
        ...leftovers,
        command: spec.command,
        display: options.display,
        // A save can write its snapshot and still exit 1 (a failed [Link] report, cli/snapshot.cc:
        // `complete &= ReportSnapshot(...)`): the OID is reported whenever Rekkord printed it.
        oid: scanner.oid,
        ...(scanner.oid ? { oidKind: scanner.kind } : {}),
        message: ending.message ? `rekkord ${spec.command}: ${ending.message}` : '',
    };
}

;// CONCATENATED MODULE: ./src/engine/observer.ts
/**
 * What a session tells as it goes, and the guard that keeps a failing observer (a log that
 * cannot be written, a state file that is gone) from stopping the session: the error is recorded
 * and the session still runs the post hooks it promised.
 */

/**
 * Two observers told the same events, `first` then `second`: the reporter and the post step's
 * ledger. Output goes to `first` alone; only the ledger needs to know the process group.
 */
function bothObservers(first, second) {
    return {
        phaseStart(...args) {
            first.phaseStart(...args);
            second.phaseStart(...args);
        },
        hookStart(...args) {
            first.hookStart(...args);
            second.hookStart(...args);
        },
        output: (chunk) => first.output(chunk),
        hookEnd(result) {
            first.hookEnd(result);
            second.hookEnd(result);
        },
        stepStart(...args) {
            first.stepStart(...args);
            second.stepStart(...args);
        },
        stepEnd(result) {
            first.stepEnd(result);
            second.stepEnd(result);
        },
        phaseEnd(report) {
            first.phaseEnd(report);
            second.phaseEnd(report);
        },
        processGroup(pgid) {
            first.processGroup?.(pgid);
            second.processGroup?.(pgid);
        },
    };
}
/** The observer, with every call's failure caught and kept in `errors` (once per message). */
function guardObserver(observer, errors) {
    const record = (what, error) => {
        const message = `${what} failed: ${(0,kernel_errors/* describeError */.Uc)(error)}`;
        if (!errors.includes(message))
            errors.push(message);
    };
    // Each event, by what it reports when it fails.
    const guard = (name, what) => ((...args) => {
        try {
            observer[name](...args);
        }
        catch (error) {
            record(what, error);
        }
    });
    return {
        phaseStart: guard('phaseStart', 'Reporting a phase'),
        phaseEnd: guard('phaseEnd', 'Reporting a phase'),
        hookStart: guard('hookStart', 'Reporting a hook'),
        hookEnd: guard('hookEnd', 'Reporting a hook'),
        stepStart: guard('stepStart', 'Reporting the Rekkord step'),
        stepEnd: guard('stepEnd', 'Reporting the Rekkord step'),
        processGroup(pgid) {
            try {
                observer.processGroup?.(pgid);
            }
            catch (error) {
                record('Saving the running process group', error);
            }
        },
        output(chunk) {
            try {
                return observer.output(chunk)?.catch((error) => {
                    record('Writing output', error);
                });
            }
            catch (error) {
                record('Writing output', error);
                return undefined;
            }
        },
    };
}

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: external "node:net"
const external_node_net_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");
;// CONCATENATED MODULE: ./src/engine/lock.ts
/**
 * One run per config at a time: an exclusive kernel lock, `flock(2)`, on a file keyed by the
 * config's real path.
 *
 * Why this and not a library: Node has no `flock`. The npm lock libraries either build a native
 * addon (`fs-ext`, which ncc cannot bundle into `dist/`) or emulate a lock with `mkdir` and an
 * mtime (`proper-lockfile`), which judges a holder dead by a clock, not by its death, so a slow
 * run loses its lock and a killed one blocks until the stale time passes. A kernel lock belongs to
 * an open file: it goes the moment its holder dies, SIGKILL included, and two starters cannot both
 * get it. `flock(1)` is missing on macOS; Perl is on every GitHub runner and Essential on Debian
 * (`perl-base`, which holds Fcntl), so a tiny Perl holder keeps the lock for us:
 *
 * - it runs in its own session (`detached`), so a Ctrl-C to the terminal's group or a signal the
 *   run sends to its own group does not end it while post hooks still run;
 * - its stdin is a pipe from this process; libuv opens our end close-on-exec, so no hook inherits
 *   it. When this process ends for any reason the pipe closes, the holder reads EOF and exits, and
 *   the kernel drops the lock. A process a hook leaves behind does not keep it;
 * - it polls `LOCK_EX|LOCK_NB`, sleeping in `select` on stdin, so a run that gives up or dies while
 *   waiting takes its waiter with it at once;
 * - once locked it writes who holds it (our pid, command, start time) into the lock file, which a
 *   waiter reads when it gives up, to name the holder.
 *
 * Where the lock file lives: `/run/lock` (Linux: shared by all users, not hidden by systemd's
 * PrivateTmp, emptied at boot), else `/tmp` (macOS). Not next to the config: its folder may be
 * read-only or a git checkout (an untracked file). Not `$XDG_RUNTIME_DIR` or `os.tmpdir()`: both
 * differ per user or environment, and a root cron job and the runner user must see one lock. The
 * name hashes the real path, so a symlink and its target are one lock, and an editor that replaces
 * the config by rename keeps it. Lock files are never removed (removing one while another waits on
 * it would split the lock); each is a few hundred bytes.
 *
 * Limits: the lock is per machine. Runs on two machines that share the config (NFS) or in two
 * containers with their own `/run/lock` do not see each other. Waiting is polled (10 ms growing to
 * 100 ms), not first-come first-served. The folder is shared by all local users, so it serves runs
 * that cooperate, not a boundary: another local user who knows the config's path can hold its
 * lock, or remove a lock file they created. Needs `perl` on PATH; without it the run fails clearly.
 */






/** Another run held the lock for the whole wait. */
class LockBusyError extends Error {
    config;
    lockPath;
    holder;
    waitedMs;
    constructor(config, lockPath, holder, waitedMs) {
        super(`another run holds the lock for ${config}: ${describeHolder(holder)}` +
            ` (waited ${formatSeconds(waitedMs)})`);
        this.name = 'LockBusyError';
        this.config = config;
        this.lockPath = lockPath;
        this.holder = holder;
        this.waitedMs = waitedMs;
    }
}
/** The lock could not be taken at all (no Perl, the lock folder is not writable, cancelled). */
class LockError extends Error {
    constructor(message) {
        super(message);
        this.name = 'LockError';
    }
}
function describeHolder(holder) {
    if (!holder)
        return 'holder unknown';
    const who = `pid ${holder.pid} (${holder.command}) since ${holder.since}`;
    return holder.alive ? who : `holder unknown; last recorded ${who}, no longer running`;
}
function formatSeconds(ms) {
    return `${(ms / 1000).toFixed(1)} s`;
}
/** The default folder for lock files. */
function defaultLockDir() {
    try {
        if (process.platform === 'linux' && (0,external_node_fs_.statSync)('/run/lock').isDirectory())
            return '/run/lock';
    }
    catch {
        // no /run/lock: fall through
    }
    return '/tmp';
}
/** The config's real path; a config not there yet is named by its absolute path. */
function lockedConfig(configPath) {
    try {
        return (0,external_node_fs_.realpathSync)(configPath);
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return external_node_path_default().resolve(configPath);
        throw error;
    }
}
/** The lock file for a config. */
function lockPathFor(configPath, dir = defaultLockDir()) {
    const key = (0,external_node_crypto_namespaceObject.createHash)('sha256').update(lockedConfig(configPath)).digest('hex').slice(0, 32);
    return external_node_path_default().join(dir, `rekkord-hooks-${key}.lock`);
}
// The holder. Arguments: the lock file; what to record in it once locked; how many seconds to
// wait (-1: for ever; the sleeps are counted, as perl-base has no fine clock). It answers one line
// on stdout: "locked <failed tries>", "busy" (the wait ran out), or "error <what>: <errno text>".
// - No O_CREAT on an existing file: with fs.protected_regular, O_CREAT on another user's file in a
//   sticky folder fails even when it could be opened. A file made here is 0666 so every user's run
//   can record itself in it; one it cannot write is still locked, read-only.
// - O_NOFOLLOW, a regular file and a single link: a planted symlink or hard link in a shared folder
//   must not make us truncate someone's file.
const HOLDER = String.raw `
use strict;
use Fcntl qw(:DEFAULT :flock);
my ($path, $info, $left) = @ARGV;
$| = 1;
sub fail { print "error $_[0]: $!\n"; exit 2 }
my ($fh, $rw);
while (1) {
  if (sysopen($fh, $path, O_RDWR | O_NOFOLLOW)) { $rw = 1; last }
  if ($!{ENOENT}) {
    if (sysopen($fh, $path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0666)) {
      chmod(0666, $fh); $rw = 1; last;
    }
    next if $!{EEXIST};
    fail("create $path");
  }
  if ($!{EACCES} && sysopen($fh, $path, O_RDONLY | O_NOFOLLOW)) { $rw = 0; last }
  fail("open $path");
}
my @st = stat($fh) or fail("stat $path");
unless (-f _ && $st[3] == 1) { $! = 0; fail("$path is not a plain file") }
my $rin = ''; vec($rin, fileno(STDIN), 1) = 1;
my ($delay, $tries) = (0.01, 0);
until (flock($fh, LOCK_EX | LOCK_NB)) {
  $tries++;
  fail("lock $path") unless $!{EWOULDBLOCK} || $!{EAGAIN};
  if ($left >= 0 && $left <= 0) { print "busy\n"; exit 3 }
  my $d = $left >= 0 && $left < $delay ? $left : $delay;
  my $r = $rin;
  if (select($r, undef, undef, $d) > 0) { my $b; exit 0 unless sysread(STDIN, $b, 64) }
  $left -= $d if $left >= 0;
  $delay = $delay * 2 > 0.1 ? 0.1 : $delay * 2;
}
my @t = gmtime();
my $now = sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
$info =~ s/^\{"since":""/{"since":"$now"/;
if ($rw) { truncate($fh, 0); sysseek($fh, 0, 0); syswrite($fh, $info) }
print "locked $tries\n";
my $b;
1 while sysread(STDIN, $b, 64);
truncate($fh, 0) if $rw;
exit 0;
`;
const MAX_COMMAND = 200;
const MAX_RECORD = 4096;
const RELEASE_GRACE_MS = 2000;
// Longer than a timer can count (24.8 days) is for ever.
const MAX_TIMER_MS = 2 ** 31 - 1;
// Beyond the wait: Perl's start-up, and a machine under load.
const WAIT_SLACK_MS = 10_000;
function isAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        // EPERM: alive, another user's.
        return error.code === 'EPERM';
    }
}
/** The holder recorded in a lock file, or null when there is none or it does not parse. */
function readHolder(lockPath) {
    const text = readRecord(lockPath);
    if (text === null)
        return null;
    let record;
    try {
        record = JSON.parse(text);
    }
    catch {
        return null;
    }
    if (typeof record !== 'object' || record === null)
        return null;
    const { pid, command, since } = record;
    if (!Number.isSafeInteger(pid) || pid <= 0)
        return null;
    if (typeof command !== 'string' || typeof since !== 'string')
        return null;
    return {
        pid: pid,
        // Anyone may write the file: keep it one short printable line.
        command: clean(command, MAX_COMMAND),
        since: clean(since, 40),
        alive: isAlive(pid),
    };
}
/**
 * The first bytes of the lock file. Its owner may have swapped it for a FIFO or a symlink since:
 * never follow, never block, read only a plain file, and only so much.
 */
function readRecord(lockPath) {
    let fd;
    try {
        fd = (0,external_node_fs_.openSync)(lockPath, external_node_fs_.constants.O_RDONLY | external_node_fs_.constants.O_NOFOLLOW | external_node_fs_.constants.O_NONBLOCK);
    }
    catch {
        return null;
    }
    try {
        if (!(0,external_node_fs_.fstatSync)(fd).isFile())
            return null;
        const buffer = Buffer.alloc(MAX_RECORD);
        return buffer.toString('utf8', 0, (0,external_node_fs_.readSync)(fd, buffer, 0, MAX_RECORD, 0));
    }
    catch {
        return null;
    }
    finally {
        (0,external_node_fs_.closeSync)(fd);
    }
}
/** The holder, read again shortly when a holder that has just got the lock has not written yet. */
async function holderOf(lockPath) {
    const holder = readHolder(lockPath);
    if (holder)
        return holder;
    await new Promise((r) => setTimeout(r, 200));
    return readHolder(lockPath);
}
function clean(text, max) {
    // eslint-disable-next-line no-control-regex
    const line = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
function unrefStreams(child) {
    for (const stream of [child.stdin, child.stdout, child.stderr])
        if (stream instanceof external_node_net_namespaceObject.Socket)
            stream.unref();
    child.unref();
}
/**
 * Takes the lock for a config, waiting up to `waitSeconds` for another run to release it. Rejects
 * with `LockBusyError` (naming the holder) when the wait runs out, `LockError` otherwise.
 */
async function acquireLock(configPath, options) {
    const { waitSeconds, signal } = options;
    if (!(waitSeconds >= 0))
        throw new LockError(`lock wait must be 0 or more seconds`);
    const config = lockedConfig(configPath);
    const lockPath = lockPathFor(config, options.dir);
    // `since` first and empty: the holder fills it in when it gets the lock.
    const record = JSON.stringify({
        since: '',
        pid: process.pid,
        command: clean(options.command ?? process.argv.join(' '), MAX_COMMAND),
        config,
    });
    const started = performance.now();
    return await new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(new LockError(`cancelled while waiting for the lock for ${config}`));
            return;
        }
        let child;
        try {
            // A bare environment: PERL5OPT or PERL5LIB must not run code in the holder.
            const wait = waitSeconds * 1000 <= MAX_TIMER_MS ? String(waitSeconds) : '-1';
            child = (0,external_node_child_process_.spawn)('perl', ['-e', HOLDER, lockPath, record, wait], {
                stdio: ['pipe', 'pipe', 'pipe'],
                detached: true,
                env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
            });
        }
        catch (error) {
            reject(new LockError(`cannot start perl to take the lock: ${String(error)}`));
            return;
        }
        let state = 'waiting';
        let lost = false;
        let stdout = '';
        let stderr = '';
        let timer;
        const exited = new Promise((done) => {
            child.once('close', () => {
                done();
            });
        });
        const cleanupWait = () => {
            if (timer)
                clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
        };
        // Rejects once the holder has exited, so no waiter outlives a failed acquire.
        const giveUp = (error) => {
            if (state !== 'waiting')
                return;
            state = 'done';
            cleanupWait();
            child.kill('SIGKILL');
            void Promise.all([error, exited]).then(([e]) => {
                reject(e);
            });
        };
        const onAbort = () => {
            giveUp(new LockError(`cancelled while waiting for the lock for ${config}`));
        };
        child.on('error', (error) => {
            giveUp(new LockError(`cannot start perl to take the lock: ${error.message}`));
        });
        child.stderr?.on('data', (chunk) => {
            if (stderr.length < MAX_RECORD)
                stderr += chunk.toString();
        });
        child.stdout?.on('data', (chunk) => {
            stdout += chunk.toString();
            const line = stdout.split('\n')[0] ?? '';
            if (!stdout.includes('\n') || state !== 'waiting')
                return;
            if (line === 'busy') {
                const waitedMs = Math.round(performance.now() - started);
                giveUp(holderOf(lockPath).then((holder) => new LockBusyError(config, lockPath, holder, waitedMs)));
                return;
            }
            const locked = /^locked (\d+)$/.exec(line);
            if (!locked) {
                giveUp(new LockError(`cannot take the lock for ${config}: ${line.replace(/^error /, '')}`));
                return;
            }
            state = 'held';
            cleanupWait();
            unrefStreams(child);
            const waitedMs = Math.round(performance.now() - started);
            let released;
            resolve({
                config,
                path: lockPath,
                waitedMs,
                contended: locked[1] !== '0',
                get lost() {
                    return lost;
                },
                release() {
                    released ??= (async () => {
                        state = 'done';
                        child.stdin?.end();
                        const grace = setTimeout(() => child.kill('SIGKILL'), RELEASE_GRACE_MS);
                        await exited;
                        clearTimeout(grace);
                    })();
                    return released;
                },
            });
        });
        child.once('close', (code, sig) => {
            if (state === 'held') {
                lost = true;
                state = 'done';
                options.onLost?.(`the lock holder for ${config} ended (${sig ?? `exit ${code}`})`);
                return;
            }
            const why = stderr.trim() || stdout.trim() || (sig ?? `exit ${code}`);
            giveUp(new LockError(`cannot take the lock for ${config}: perl: ${why}`));
        });
        // Perl keeps the deadline; this only guards against a holder that never answers.
        if (waitSeconds * 1000 + WAIT_SLACK_MS <= MAX_TIMER_MS) {
            timer = setTimeout(() => {
                giveUp(new LockError(`the lock holder for ${config} did not answer`));
            }, waitSeconds * 1000 + WAIT_SLACK_MS);
        }
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
/**
 * Takes a run's lock: at once when it is free, else after telling who holds it (`note`) and
 * waiting up to `waitSeconds`; a cancel stops the wait. No hook has run yet, so failing here is
 * a preflight error. A lock lost while held (its holder killed) is told through `note` too.
 */
async function takeLock(key, waitSeconds, cancel, note) {
    const started = performance.now();
    const controller = new AbortController();
    const stopWatching = cancel.onCancel(() => {
        controller.abort();
    });
    const onLost = (reason) => {
        note?.(`The run's lock was lost: ${reason}; another run on the same config may start now`);
    };
    try {
        try {
            return {
                lock: await acquireLock(key, { waitSeconds: 0, signal: controller.signal, onLost }),
                waitedMs: 0,
            };
        }
        catch (error) {
            if (!(error instanceof LockBusyError) || waitSeconds === 0)
                throw error;
            note?.(`Waiting up to ${waitSeconds} s for another run on ${error.config}: ${describeHolder(error.holder)}`);
        }
        const lock = await acquireLock(key, { waitSeconds, signal: controller.signal, onLost });
        return { lock, waitedMs: Math.max(1, Math.round(performance.now() - started)) };
    }
    catch (error) {
        if (error instanceof LockBusyError || error instanceof LockError) {
            throw new kernel_errors/* PreflightError */.wG(`No hook ran: ${error.message}`);
        }
        throw error;
    }
    finally {
        stopWatching();
    }
}

;// CONCATENATED MODULE: ./src/engine/session.ts
/**
 * The session: runs a plan. Pre hooks (all of them, even after a failure), then the Rekkord step
 * unless a pre hook failed, then the post hooks (always, once the pre phase has started) with
 * `SUCCESS` set, and it tells an observer everything as it happens.
 *
 * One rule for every failure: what can fail before a hook (the config for Rekkord) is prepared
 * first, and failing there runs nothing; past that, whatever throws is the failing hook's or the
 * Rekkord step's result, or a recorded error of the session, and the post hooks still run.
 *
 * On cancel, the running pre hook or Rekkord gets the signal, nothing else starts but the post
 * hooks, and they get `SUCCESS=0`, `REKKORD_HOOK_CANCELLED=1` and what is left of the budget.
 *
 * The session is an operation of the engine; the post step's recovery is the same operation with
 * the main step's record, so both take the lock, plan and report the same way.
 */











function stepNotRun(command, message, outcome = 'skipped') {
    return {
        command,
        display: `rekkord ${command}`,
        exitCode: null,
        signal: null,
        durationMs: 0,
        outcome,
        message,
        oid: null,
        tail: [],
    };
}
/** What every hook of a session (or a rehearsal) learns of it. */
function sharedContext(settings, command, config) {
    return {
        command,
        configPath: config?.path ?? null,
        channel: settings.channel,
        snapshot: settings.snapshot,
        destination: settings.destination,
    };
}
/**
 * What can fail before a hook, done before any hook so that failing stops nothing: the pre and
 * post folders listed (a post folder that cannot be read would leave a stopped service down),
 * then the config Rekkord gets.
 */
async function prepare(plan) {
    const [pre, post] = (await Promise.all([plan.pre, plan.post].map((p) => listPhase(p))));
    const unreadable = [pre.error, post.error].filter((e) => e !== '');
    if (unreadable.length)
        throw new kernel_errors/* PreflightError */.wG(`No hook ran: ${unreadable.join('; ')}`);
    try {
        const runsHooks = (0,commands/* commandSpec */.Lx)(plan.command).hookKeys !== null;
        const stepConfig = await prepareStepConfig(plan.config, plan.settings.tempDir, plan.noHooks, runsHooks);
        return { pre, stepConfig };
    }
    catch (error) {
        throw new kernel_errors/* PreflightError */.wG(`No hook ran: the config for Rekkord could not be prepared in ${plan.settings.tempDir}: ${(0,kernel_errors/* describeError */.Uc)(error)}`);
    }
}
/** A phase run so that a throw is the phase's error, never the session's end. */
async function guardedPhase(run) {
    try {
        return await runPhase(run);
    }
    catch (error) {
        return {
            phase: run.phase.phase,
            directories: run.phase.sources.map((s) => s.directory),
            hooks: [],
            skipped: [],
            error: `the phase stopped: ${(0,kernel_errors/* describeError */.Uc)(error)}`,
        };
    }
}
async function runSession(plan, observer, options = {}) {
    const { settings, command } = plan;
    const cancel = options.cancel ?? new kernel_cancel/* Cancellation */.mT();
    const errors = [];
    const safe = guardObserver(observer, errors);
    const shared = sharedContext(settings, command, plan.config);
    const prepared = await prepare(plan);
    const { stepConfig } = prepared;
    try {
        // Whatever throws from here on, the post hooks still run (with SUCCESS=0).
        const run = { settings, env: plan.childEnv, observer: safe, cancel };
        const pre = await guardedPhase({
            ...run,
            phase: plan.pre,
            context: { ...shared, success: true, exitCode: null, oid: null },
            listed: prepared.pre,
        });
        let step;
        if (cancel.cancelled) {
            step = stepNotRun(command, `rekkord ${command} did not run: cancelled by ${cancel.signal ?? ''}`);
        }
        else if (phaseFailed(pre)) {
            step = stepNotRun(command, `rekkord ${command} did not run because the ${pre.phase} phase failed`);
        }
        else {
            step = await runRekkord(plan, stepConfig, safe, cancel);
        }
        const stepOk = step.outcome === 'success';
        // SUCCESS=1 only for a run that is a success so far: an error of the session (its state
        // or its log could not be written) fails the step, so the post hooks hear it too.
        const success = stepOk && errors.length === 0;
        const post = await guardedPhase({
            ...run,
            phase: plan.post,
            context: { ...shared, success, exitCode: step.exitCode, oid: step.oid },
        });
        return sessionResult({
            command,
            cancelled: cancel.signal,
            recovery: false,
            oid: step.oid,
            phases: [pre, post],
            step,
            configPath: plan.config?.path ?? null,
            errors,
        });
    }
    finally {
        await stepConfig.cleanup().catch(() => undefined);
    }
}
/**
 * For the post step after the main step died without running the post hooks: runs the post
 * phase with `SUCCESS=0` and `REKKORD_HOOK_CANCELLED=1`, except hooks that had already finished.
 */
async function runRecovery(plan, observer, state, options = {}) {
    const { settings, command } = plan;
    const errors = [];
    const post = await runPhase({
        settings,
        env: plan.childEnv,
        phase: plan.post,
        context: {
            ...sharedContext(settings, command, plan.config),
            success: false,
            exitCode: state.exitCode,
            oid: state.oid,
        },
        observer: guardObserver(observer, errors),
        cancel: options.cancel ?? new kernel_cancel/* Cancellation */.mT(),
        alreadyRun: state.alreadyRun,
    });
    return sessionResult({
        command,
        cancelled: null,
        recovery: true,
        oid: null,
        phases: [post],
        step: stepNotRun(command, 'the main step ended before its post hooks ran'),
        configPath: plan.config?.path ?? null,
        errors,
    });
}
async function runRekkord(plan, stepConfig, observer, cancel) {
    const { settings, command } = plan;
    const spec = {
        command,
        rekkordPath: plan.rekkordPath,
        configPath: stepConfig.path,
        noHooks: plan.noHooks,
        args: settings.args,
        operands: (0,commands/* commandSpec */.Lx)(command).operands(settings),
    };
    const display = (0,kernel_text/* commandLine */.ay)(['rekkord', ...stepArguments(spec)]);
    observer.stepStart(display, stepConfig.isCopy ? (0,kernel_text/* copyNote */.kX)(plan.config?.path ?? '') : '');
    let result;
    try {
        result = await runStep(spec, {
            cwd: settings.workspace,
            env: plan.childEnv,
            onOutput: (chunk) => observer.output(chunk),
            display,
            cancel,
            onSpawn: (pgid) => {
                observer.processGroup(pgid);
            },
        });
    }
    catch (error) {
        const message = `rekkord ${command}: not started: ${(0,kernel_errors/* describeError */.Uc)(error)}`;
        result = { ...stepNotRun(command, message, 'not-started'), display };
    }
    observer.processGroup(null);
    observer.stepEnd(result);
    return result;
}
/**
 * The session operation (and the post step's recovery): the run is planned under the config's
 * lock, taken once the config is known and before Rekkord is first asked anything, and held until
 * the result is told.
 */
async function runSessionOperation(settings, reporter, options) {
    const { cancel, recover } = options;
    let held = null;
    try {
        const plan = await makePlan(settings, {
            ...(options.execute ? { execute: options.execute } : {}),
            recovery: recover !== undefined,
            // Masks first, inside the plan: before its probes start, since their words may quote a
            // secret.
            maskSecrets: (secrets) => {
                reporter.maskSecrets(secrets);
            },
            // One run per config (or per hooks folder when there is no config) at a time.
            beforeProbe: async (configPath) => {
                const key = configPath ?? settings.hooksDir;
                if (key) {
                    held = await takeLock(key, settings.lockWaitSeconds, cancel, (text) => {
                        reporter.note?.(text);
                    });
                }
            },
        });
        if (cancel.cancelled && !recover) {
            throw new kernel_errors/* PreflightError */.wG(`Cancelled by ${cancel.signal ?? ''} before any hook ran`);
        }
        reporter.planned(plan);
        const observer = options.ledger ? bothObservers(reporter, options.ledger) : reporter;
        const result = recover
            ? await runRecovery(plan, observer, recover, { cancel })
            : await runSession(plan, observer, { cancel });
        const waited = held?.waitedMs;
        if (waited)
            result.lockWaitMs = waited;
        await reporter.finish(result);
        return result;
    }
    finally {
        await held?.lock.release();
    }
}

;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
// EXTERNAL MODULE: ./src/plan/rekkord-ini.ts
var rekkord_ini = __nccwpck_require__(70);
;// CONCATENATED MODULE: ./src/validate/index.ts
/**
 * validate: what every phase would run and skip, and what is wrong with each hook, without running
 * Rekkord, a hook, or anything from the repository it checks. Each finding names the file (and
 * line) to fix. The checks on one file or folder are in validate-findings.ts.
 */











/**
 * The modes git records for the files of a hook folder, by name; empty when the folder is not in
 * the workspace's own repository.
 *
 * validate runs on untrusted content (a pull request), so git must never read a config from the
 * checked folders: started inside a hook folder laid out as a bare repository (HEAD, objects/,
 * refs/, a config with core.worktree and core.fsmonitor), git discovers that folder as its
 * repository and runs its fsmonitor command. Hence git runs from the workspace root with the
 * workspace's own `.git` named explicitly (no discovery at all), fsmonitor and hooks off, implicit
 * bare repositories refused, no system config, discovery stopped above the workspace, and no GIT_*
 * variable inherited that could point it elsewhere.
 */
async function gitModes(workspace, dir, env) {
    const modes = new Map();
    const gitDir = external_node_path_default().join(workspace, '.git');
    const rel = external_node_path_default().relative(workspace, dir);
    if (rel.startsWith('..') || external_node_path_default().isAbsolute(rel) || !(0,external_node_fs_.existsSync)(gitDir))
        return modes;
    const cleanEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('GIT_')));
    const args = [
        ...['--git-dir', gitDir, '--work-tree', workspace, '--literal-pathspecs'],
        ...['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null'],
        ...['-c', 'safe.bareRepository=explicit'],
        ...['ls-files', '-s', '-z', '--', rel || '.'],
    ];
    try {
        const { stdout } = await (0,external_node_util_namespaceObject.promisify)(external_node_child_process_.execFile)('git', args, {
            cwd: workspace,
            env: {
                ...cleanEnv,
                GIT_CONFIG_NOSYSTEM: '1',
                GIT_CEILING_DIRECTORIES: external_node_path_default().dirname(workspace),
                GIT_OPTIONAL_LOCKS: '0',
                GIT_TERMINAL_PROMPT: '0',
            },
            maxBuffer: 16 * 1024 * 1024,
        });
        const prefix = rel ? `${rel}/` : '';
        for (const record of stdout.split('\0')) {
            const tab = record.indexOf('\t');
            const file = record.slice(tab + 1);
            if (tab < 0 || !file.startsWith(prefix))
                continue;
            const name = file.slice(prefix.length);
            if (!name.includes('/'))
                modes.set(name, record.slice(0, 6));
        }
    }
    catch {
        // No git, or not a repository git can read: nothing to compare with.
    }
    return modes;
}
/**
 * The entries of a folder, up to Rekkord's own cap, listed by its source's rules: validate runs on
 * untrusted content, so its work must not grow with what a pull request puts in a folder.
 */
function entries(source) {
    const rules = (0,hook_sources/* hookSourceSpec */.U)(source.kind).listing;
    return (0,discovery/* listHookDirectory */.bb)(source.directory, source.args, {
        ...rules,
        limit: discovery/* MAX_HOOKS_PER_FOLDER */.v,
        ...(source.names ? { names: source.names } : {}),
    });
}
async function isRunnable(hook) {
    if (hook.problem)
        return false;
    const mode = await (0,promises_.stat)(hook.path).then((s) => s.mode, () => 0);
    return (mode & 0o111) !== 0;
}
/** Findings on a usable folder, once per folder however many phases use it. */
async function folderFindings(use, plan, title, ctx) {
    const { source } = use;
    const { shellRules } = (0,hook_sources/* hookSourceSpec */.U)(source.kind);
    const setting = plan.config ? source.setting : undefined;
    const where = setting && plan.config ? { file: plan.config.path, line: setting.line } : undefined;
    return [
        ...(shellRules
            ? (0,validate_findings/* folderShellFinding */.af)(source.directory, title, where?.file ?? source.directory, where?.line)
            : []),
        ...(await (0,validate_findings/* folderWritableFindings */.Ft)({ dir: source.directory, real: use.real }, ctx.repository, title, ctx.checked, where)),
    ];
}
async function hookFindings(hook, 
/** The hook's real path (see `real`). */
realPath, source, label, ctx) {
    const title = `${label} hook ${hook.name}`;
    const found = [];
    const { shellRules } = (0,hook_sources/* hookSourceSpec */.U)(source.kind);
    if (shellRules && hook.name.startsWith('.')) {
        const runnable = await isRunnable(hook);
        found.push((0,validate_findings/* dotfileFinding */.BB)(hook.name, hook.path, title, runnable));
        // A .gitkeep is no script: the dotfile finding says all, how it would start adds nothing.
        if (!runnable)
            return [...found, ...(await (0,validate_findings/* hookWritableFindings */.my)(realPath, title))];
    }
    if (hook.problem) {
        found.push({
            severity: 'error',
            title: `${title} cannot start`,
            message: `${hook.name}: ${hook.problem.message}`,
            file: hook.path,
        });
    }
    if (shellRules) {
        found.push(...(0,validate_findings/* nameShellFinding */.Hv)(hook.name, hook.path, title));
    }
    if (ctx.modes.get(hook.name) === '100644') {
        const file = (0,kernel_text/* commandLine */.ay)([external_node_path_default().relative(ctx.workspace, hook.path)]);
        found.push({
            severity: 'error',
            title: `${title} not executable in git`,
            message: `git records ${hook.name} as not executable (mode 100644), so a fresh checkout cannot run it: git update-index --chmod=+x -- ${file}`,
            file: hook.path,
        });
    }
    found.push(...(await (0,validate_findings/* hookWritableFindings */.my)(realPath, title)));
    if (!hook.problem || hook.problem.kind === 'not-executable') {
        found.push(...(await (0,validate_findings/* startFindings */._S)(hook.path, ctx.pathVar)));
    }
    return found;
}
/** The real paths of the batteries the input enables, by path, with their names. */
async function enabledBatteries(plan) {
    const { batteries, batteriesDir } = plan.settings;
    const found = new Map();
    if (!batteriesDir)
        return found;
    for (const name of batteries) {
        const real = await (0,promises_.realpath)(external_node_path_default().join(batteriesDir, name)).catch(() => null);
        if (real)
            found.set(real, name);
    }
    return found;
}
/** A `[Hooks]` entry that is an enabled battery (a link or the same file): a run skips it. */
function twiceFinding(hook, realPath, phase, batteries) {
    const battery = batteries.get(realPath);
    if (!battery)
        return [];
    return [
        {
            severity: 'warning',
            title: `${phase} hook ${hook.name} is named twice`,
            message: `${hook.name} is the battery ${battery}, which the 'batteries' input also enables: a run skips this entry and runs the battery once, at its place. Remove it from the folder or from 'batteries'`,
            file: hook.path,
        },
    ];
}
/** The phases a folder serves, for titles: `pre-save`, or `pre-save, post-save`. */
function phaseLabel(use) {
    return [...use.phases.keys()].join(', ');
}
/** Where a line list is cut in a message: a repeated key may name a folder hundreds of times. */
const MAX_LINES_NAMED = 10;
function lineList(lines) {
    const shown = lines.slice(0, MAX_LINES_NAMED).join(', ');
    return lines.length > MAX_LINES_NAMED
        ? `${shown}, … ${lines.length - MAX_LINES_NAMED} more`
        : shown;
}
async function checkFolder(use, plan, ctx) {
    const { source } = use;
    const label = phaseLabel(use);
    const findings = [];
    const configPath = plan.config?.path;
    // A folder named again for the same phase runs again under Rekkord; validate checks it once.
    for (const [phase, lines] of use.phases) {
        if (lines.length < 2 || !configPath)
            continue;
        findings.push({
            severity: 'warning',
            title: `${phase} hook folder named ${lines.length} times`,
            message: `[Hooks] names ${source.directory} ${lines.length} times for ${phase} (lines ${lineList(lines)}): Rekkord runs its hooks once for each; name it once`,
            file: configPath,
            line: lines[1] ?? 1,
        });
    }
    const empty = { hooks: [], skipped: [], unexamined: 0 };
    const problem = await sourceProblem(source, plan.config);
    if (problem) {
        findings.push({
            severity: 'error',
            title: `${label} hook folder missing`,
            message: problem.detail,
            file: problem.where?.file ?? source.directory,
            ...(problem.where?.line ? { line: problem.where.line } : {}),
        });
        return {
            check: { problem: problem.detail, folderFindings: [], listing: empty, hookFindings: [] },
            findings,
        };
    }
    const folder = await folderFindings(use, plan, `${label} hook folder`, ctx);
    const listing = await entries(source);
    if (listing.unexamined) {
        const rule = (0,hook_sources/* hookSourceSpec */.U)(source.kind).listing.maxHooks !== null
            ? `Rekkord takes at most ${discovery/* MAX_HOOKS_PER_FOLDER */.v} entries from one folder`
            : `validate examines at most ${discovery/* MAX_HOOKS_PER_FOLDER */.v} entries of one folder`;
        folder.push({
            severity: 'error',
            title: `${label} hook folder: too many entries`,
            message: `${source.directory} holds ${discovery/* MAX_HOOKS_PER_FOLDER */.v + listing.unexamined} entries: ${rule}; the first ${discovery/* MAX_HOOKS_PER_FOLDER */.v} in name order were checked, ${listing.unexamined} more were not`,
            file: configPath && source.setting ? configPath : source.directory,
            ...(configPath && source.setting ? { line: source.setting.line } : {}),
        });
    }
    findings.push(...folder);
    const hookCtx = {
        ...ctx,
        modes: await gitModes(ctx.workspace, source.directory, plan.settings.env),
    };
    const hookFindingsList = [];
    for (const hook of listing.hooks) {
        const realPath = await (0,validate_findings/* real */.x)(hook.path);
        const found = await hookFindings(hook, realPath, source, label, hookCtx);
        if (source.kind === 'config') {
            found.push(...twiceFinding(hook, realPath, label, ctx.batteries));
        }
        hookFindingsList.push(found);
        findings.push(...found);
    }
    return {
        check: { problem: null, folderFindings: folder, listing, hookFindings: hookFindingsList },
        findings,
    };
}
/**
 * Keys and sections the newest Rekkord source known does not have: a newer Rekkord may take them,
 * an older one may refuse them. validate has no Rekkord to ask, so it warns; a save asks Rekkord.
 */
function unknownNameFindings(plan) {
    const config = plan.config;
    if (!config)
        return [];
    return config.doc.unknown.map((u) => {
        // A name that is no plain name is not repeated: a line such as `SecretKey: …=` reads as one
        // unknown key that holds a secret.
        const name = u.key === null
            ? (0,rekkord_ini/* isPlainName */.sh)(u.section)
                ? `section [${u.section}]`
                : 'a section'
            : (0,rekkord_ini/* isPlainName */.sh)(u.key)
                ? `key ${u.key} in [${u.section}]`
                : `a key in [${u.section}]`;
        return {
            severity: 'warning',
            title: `Rekkord config: unknown ${u.key === null ? 'section' : 'key'}`,
            message: `${name} is unknown to the newest Rekkord source known (it knows ${u.known.join(', ')}); a newer Rekkord may take it, an older one refuses the file: run 'rekkord identify' with this config to check`,
            file: config.path,
            line: u.line,
        };
    });
}
/**
 * Checks every folder of the plan once, by real path, however many phases or `[Hooks]` lines
 * name it; each phase then lists what its folders hold, each hook's findings shown once.
 */
async function validatePlan(plan) {
    const ctx = {
        pathVar: plan.settings.env.PATH ?? '',
        workspace: plan.settings.workspace,
        repository: await (0,validate_findings/* real */.x)(plan.settings.workspace),
        batteries: await enabledBatteries(plan),
        // Folders above several hook folders (the repository, /) are judged once per run.
        checked: new Map(),
    };
    const uses = new Map();
    /** Each phase's folders, by key, with the phase's own source for each (its arguments). */
    const keysOfPhase = [];
    for (const phase of plan.phases) {
        const keys = [];
        for (const source of phase.sources) {
            const where = await (0,validate_findings/* real */.x)(source.directory);
            const key = `${source.kind}\0${where}\0${source.names?.join('\0') ?? ''}`;
            const use = uses.get(key) ?? {
                source,
                real: where,
                phases: new Map(),
            };
            uses.set(key, use);
            const lines = use.phases.get(phase.phase) ?? [];
            use.phases.set(phase.phase, lines);
            if (source.setting)
                lines.push(source.setting.line);
            if (!keys.some((k) => k.key === key))
                keys.push({ key, source });
        }
        keysOfPhase.push(keys);
    }
    const findings = [...unknownNameFindings(plan)];
    const checks = new Map();
    for (const [key, use] of uses) {
        const { check, findings: found } = await checkFolder(use, plan, ctx);
        checks.set(key, check);
        findings.push(...found);
    }
    const shown = new Set();
    const phases = plan.phases.map((phase, index) => {
        const validated = {
            phase: phase.phase,
            directories: [...new Set(phase.sources.map((s) => s.directory))],
            hooks: [],
            skipped: [],
            errors: [],
            folderFindings: [],
        };
        for (const { key, source } of keysOfPhase[index] ?? []) {
            const check = checks.get(key);
            const use = uses.get(key);
            if (!check || !use)
                continue;
            const first = !shown.has(key);
            shown.add(key);
            if (check.problem) {
                if (first)
                    validated.errors.push(check.problem);
                continue;
            }
            const [firstPhase = phase.phase] = use.phases.keys();
            if (first) {
                validated.folderFindings.push(...check.folderFindings);
                validated.skipped.push(...check.listing.skipped);
            }
            check.listing.hooks.forEach((hook, i) => {
                validated.hooks.push({
                    name: hook.name,
                    path: hook.path,
                    args: source.args,
                    findings: check.hookFindings[i] ?? [],
                    shownIn: firstPhase,
                });
            });
        }
        return validated;
    });
    return { configPath: plan.config?.path ?? null, phases, findings };
}

;// CONCATENATED MODULE: ./src/engine/validation.ts
/**
 * The `validate` operation: every hook folder checked as Rekkord would run it, and with
 * `exercise` every phase rehearsed for real. No Rekkord runs and no lock is taken.
 */







async function runValidation(settings, reporter, { cancel }) {
    const plan = await makeValidationPlan(settings);
    reporter.maskSecrets(plan.secrets);
    const validation = await validatePlan(plan);
    const rehearsal = settings.exercise ? await rehearse(plan, reporter, cancel) : null;
    const result = validationResult(validation, rehearsal);
    await reporter.finishValidation(result);
    return result;
}
/**
 * The rehearsal: every phase of the plan runs for real, pre phases once, post phases with
 * `SUCCESS=1` then with `SUCCESS=0`, all with `REKKORD_HOOK_REHEARSAL=1`. No Rekkord runs.
 */
async function rehearse(plan, observer, cancel = new kernel_cancel/* Cancellation */.mT()) {
    const { settings } = plan;
    const safe = guardObserver(observer, []);
    const reports = [];
    for (const phase of plan.phases) {
        const shared = {
            ...sharedContext(settings, phase.command, plan.config),
            exitCode: null,
            oid: null,
            rehearsal: true,
        };
        const runs = phase.stage === 'pre' ? [true] : [true, false];
        for (const success of runs) {
            if (cancel.cancelled)
                return reports;
            const label = phase.stage === 'pre' ? undefined : `${phase.phase} (SUCCESS=${success ? 1 : 0})`;
            const context = { ...shared, success, exitCode: success ? 0 : 1 };
            const run = { settings, env: plan.childEnv, phase, context, observer: safe, cancel };
            reports.push(await runPhase({ ...run, ...(label ? { label } : {}) }));
        }
    }
    return reports;
}

;// CONCATENATED MODULE: ./src/engine/index.ts


const OPERATIONS = {
    /**
     * save, scan or restore: pre hooks, Rekkord, post hooks; with `recover`, the post step's run of
     * the post hooks a main step that died still owed.
     */
    session: runSessionOperation,
    /** Hook folders checked, and rehearsed with `exercise`. */
    validate: runValidation,
};
function runOperation(settings, reporter, options) {
    const name = settings.command === 'validate' ? 'validate' : 'session';
    return OPERATIONS[name](settings, reporter, options);
}


/***/ }),

/***/ 938:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $u: () => (/* binding */ exitStatus),
/* harmony export */   N6: () => (/* binding */ isFailure),
/* harmony export */   QC: () => (/* binding */ unfinishedPostHooks),
/* harmony export */   XA: () => (/* binding */ classifyExit),
/* harmony export */   im: () => (/* binding */ OUTCOMES),
/* harmony export */   xT: () => (/* binding */ exitColumn)
/* harmony export */ });
/* unused harmony exports outcomeLabel, leftForPostStep */
const OUTCOMES = {
    success: { word: 'success', icon: '✅', failed: false },
    failure: { word: 'failure', icon: '❌', failed: true },
    'not-started': { word: 'not started', icon: '❌', failed: true },
    'timed-out': { word: 'timed out', icon: '⏱️', failed: true },
    cancelled: { word: 'cancelled', icon: '🛑', failed: true },
    // A hook a cancel came before: the post step owes it, nothing failed yet.
    'not-run': { word: 'not run', icon: '⏭️', failed: false },
    skipped: { word: 'skipped', icon: '⏭️', failed: false },
    valid: { word: 'valid', icon: '✅', failed: false },
    invalid: { word: 'invalid', icon: '❌', failed: true },
};
function isFailure(outcome) {
    return OUTCOMES[outcome].failed;
}
/** The outcome as a table shows it: `❌ not started`. */
function outcomeLabel(outcome) {
    const info = OUTCOMES[outcome];
    return `${info.icon} ${info.word}`;
}
/**
 * What a result's exit looks like in a few words: the outcome when nothing ran, else the signal,
 * else the exit code (`not started`, `SIGKILL`, `exit code 3`).
 */
function exitStatus(r) {
    const byWord = ['not-started', 'timed-out', 'skipped', 'cancelled'];
    if (byWord.includes(r.outcome))
        return OUTCOMES[r.outcome].word;
    return r.signal ?? `exit code ${r.exitCode ?? '?'}`;
}
/** The `Exit` column: the signal's name, else the code, else nothing. */
function exitColumn(r) {
    return r.signal ?? (r.exitCode === null ? '' : String(r.exitCode));
}
/** A post hook the cancel grace cut short or never reached: the post step runs it. */
function leftForPostStep(hook) {
    return hook.outcome === 'cancelled' || hook.outcome === 'not-run';
}
/**
 * The post hooks a cancel left undone, in the order they run: the action's post step owes them,
 * the command line (which has no post step) reports them as not completed.
 */
function unfinishedPostHooks(phases) {
    return phases
        .filter((p) => p.phase.startsWith('post-'))
        .flatMap((p) => p.hooks.filter(leftForPostStep));
}
/** Why a process ended as it did: start error, cancel, timeout, signal, then exit code. */
function reading(exit, ctx) {
    if (exit.startError !== null)
        return { outcome: 'not-started', message: `not started: ${exit.startError}` };
    if (exit.stoppedBy === 'cancel') {
        const how = exit.signal ?? `exit code ${exit.exitCode ?? '?'}`;
        const message = ctx.onCancel === 'deadline'
            ? `stopped when the cancel grace ran out (${how}); the post step runs it again`
            : `interrupted by the cancel (${how})`;
        return { outcome: 'cancelled', message };
    }
    if (exit.stoppedBy === 'timeout') {
        const message = `timed out after ${ctx.timeoutMs / 1000} s and was stopped`;
        return { outcome: 'timed-out', message };
    }
    if (exit.signal)
        return { outcome: 'failure', message: `killed by ${exit.signal}` };
    if (exit.exitCode !== 0)
        return { outcome: 'failure', message: `exited with code ${exit.exitCode ?? '?'}` };
    return { outcome: 'success', message: '' };
}
/** The one reading of a process exit, as every result reports it. */
function classifyExit(exit, ctx) {
    const { exitCode, signal, durationMs, tail } = exit;
    return { exitCode, signal, durationMs, tail, ...reading(exit, ctx) };
}


/***/ }),

/***/ 759:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   mT: () => (/* binding */ Cancellation),
/* harmony export */   oT: () => (/* binding */ CANCEL_KILL_GRACE_MS)
/* harmony export */ });
/* unused harmony export CANCEL_BUDGET_MS */
/**
 * Cancellation of a session: the edge calls `cancel` on SIGINT or SIGTERM; the running child gets
 * the signal, nothing new starts but the post hooks, and those must end within the runner's grace.
 */
/** The runner sends SIGTERM 7.5 s after SIGINT: everything must be done well before. */
const CANCEL_BUDGET_MS = 6000;
/** How long an interrupted child (Rekkord needs 2 s to stop its own children) gets before SIGKILL. */
const CANCEL_KILL_GRACE_MS = 2500;
class Cancellation {
    budgetMs;
    signal = null;
    at = 0;
    listeners = new Set();
    expiryListeners = new Set();
    /** Set once `expire` ended the budget early: why, for the hooks it keeps from running. */
    expiredBy = null;
    /**
     * `budgetMs`: how long the post hooks may run after the cancel. The action keeps the runner's
     * grace (CANCEL_BUDGET_MS); the command line has no runner behind it and passes Infinity, so
     * only `expire` (a third signal) or `--hook-timeout` ends a post hook.
     */
    constructor(budgetMs = CANCEL_BUDGET_MS) {
        this.budgetMs = budgetMs;
    }
    get cancelled() {
        return this.signal !== null;
    }
    /** Returns false when the session was already cancelled. */
    cancel(signal) {
        if (this.signal)
            return false;
        this.signal = signal;
        this.at = performance.now();
        for (const listener of this.listeners)
            listener(signal);
        return true;
    }
    /** Calls `listener` on cancel (at once if already cancelled); returns the unsubscribe. */
    onCancel(listener) {
        if (this.signal) {
            listener(this.signal);
            return () => undefined;
        }
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
    /** Ends the budget now: running post hooks are stopped, the rest do not start. */
    expire(reason) {
        if (this.expiredBy !== null)
            return;
        this.expiredBy = reason;
        for (const listener of this.expiryListeners)
            listener();
    }
    /** Calls `listener` when `expire` ends the budget early; returns the unsubscribe. */
    onExpire(listener) {
        if (this.expiredBy !== null) {
            listener();
            return () => undefined;
        }
        this.expiryListeners.add(listener);
        return () => this.expiryListeners.delete(listener);
    }
    /** Milliseconds left of the cancel budget; Infinity when not cancelled. */
    remainingMs() {
        if (this.expiredBy !== null)
            return 0;
        return this.signal ? Math.max(0, this.at + this.budgetMs - performance.now()) : Infinity;
    }
}


/***/ }),

/***/ 386:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Uc: () => (/* binding */ describeError),
/* harmony export */   gW: () => (/* binding */ errnoSentence),
/* harmony export */   l2: () => (/* binding */ capitalized),
/* harmony export */   wG: () => (/* binding */ PreflightError)
/* harmony export */ });
/* unused harmony export ACTION_WORDS */
/** Errors that stop the run before a hook runs, and errors put into words. */
const ACTION_WORDS = { edge: 'action', setting: (name) => `input '${name}'` };
/** A sentence's first letter in upper case (`Input 'paths' is ...`, `--channel is ...`). */
function capitalized(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
}
/** Thrown for anything wrong before a hook runs: the action then runs nothing. */
class PreflightError extends Error {
    name = 'PreflightError';
    /** The message in an edge's words; `message` is the action's. */
    inWords;
    /** The file and line at fault, when there is one (a config line, ...). */
    where;
    /** True when a setting is wrong (the command line's usage error), not the world. */
    setting;
    constructor(message, where, setting = false) {
        const words = typeof message === 'string' ? () => message : message;
        super(words(ACTION_WORDS));
        this.inWords = words;
        if (where)
            this.where = where;
        this.setting = setting;
    }
}
/** An error in words: its errno code (ENOENT, EACCES, ...) when the message does not name it. */
function describeError(error) {
    if (!(error instanceof Error))
        return String(error);
    const code = error.code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
/** Errno codes in words, by action; `start` speaks of the program as "it". */
const ERRNO_WORDS = {
    ENOENT: { read: 'does not exist', examine: 'is a symbolic link to a missing file' },
    EACCES: {
        read: 'is not readable (permission denied)',
        start: 'permission denied when starting it',
    },
    // execve(2): ELOOP and E2BIG are among the errors Node's spawn throws rather than emits.
    ELOOP: {
        read: 'is a symbolic link loop',
        examine: 'is a symbolic link loop',
        start: 'its path or its #! interpreter is a symbolic link loop (ELOOP)',
    },
    E2BIG: { start: 'its arguments and environment are too large (E2BIG)' },
    ETXTBSY: { start: 'it is open for writing by another process (ETXTBSY)' },
};
const FALLBACK = {
    read: 'cannot be read',
    examine: 'cannot be examined',
    start: 'it cannot be started',
};
/**
 * An errno error as a sentence about `subject` (a path, "it"): `/x does not exist`. A code with no
 * words of its own is named in brackets. For `start` the sentence is about "it" whatever `subject`.
 */
function errnoSentence(subject, error, action) {
    const code = error?.code;
    const words = code ? ERRNO_WORDS[code]?.[action] : undefined;
    const message = error instanceof Error ? error.message : String(error);
    const sentence = words ?? `${FALLBACK[action]} (${code ?? message})`;
    return action === 'start' ? sentence : `${subject} ${sentence}`;
}


/***/ }),

/***/ 352:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Fn: () => (/* binding */ checkpoint)
/* harmony export */ });
/* unused harmony exports FAULT_POINTS, FAULTS_VARIABLE */
/**
 * The fault-injection seam: `REKKORD_HOOKS_FAULTS=spawn,summary` makes those operations throw, as
 * a full disk or a kernel refusal would, so the tests can check that every failure path keeps
 * the action's promises (post hooks run, the error shown, a non-zero exit). `point:subject` makes
 * only that subject fail (`spawn:20-dump` a hook by name, `spawn:rekkord` the Rekkord step), so
 * a test can break one step and see the others still run. Unset, it does nothing.
 */
const FAULT_POINTS = (/* unused pure expression or super */ null && ([
    'config-copy',
    'listing',
    'spawn',
    'probe',
    'state',
    'outputs',
    'summary',
]));
const FAULTS_VARIABLE = 'REKKORD_HOOKS_FAULTS';
function checkpoint(point, subject) {
    const faults = process.env[FAULTS_VARIABLE];
    if (!faults)
        return;
    const hit = faults
        .split(',')
        .some((f) => f === point || (subject !== undefined && f === `${point}:${subject}`));
    if (!hit)
        return;
    const what = subject === undefined ? point : `${point} (${subject})`;
    throw Object.assign(new Error(`injected fault: ${what}`), { code: 'EFAULT' });
}


/***/ }),

/***/ 762:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   z: () => (/* binding */ readHead)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/** Reading files the way every layer needs it: only the first bytes, never the whole file. */

/** The first `bytes` bytes of a file (a `#!` line, an ELF magic), or null when it cannot be read. */
async function readHead(file, bytes) {
    try {
        const handle = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.open)(file, 'r');
        try {
            const buffer = Buffer.alloc(bytes);
            const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
            return buffer.subarray(0, bytesRead);
        }
        finally {
            await handle.close();
        }
    }
    catch {
        return null;
    }
}


/***/ }),

/***/ 426:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   TN: () => (/* binding */ oneLine),
/* harmony export */   a3: () => (/* binding */ formatDuration),
/* harmony export */   ay: () => (/* binding */ commandLine),
/* harmony export */   kX: () => (/* binding */ copyNote),
/* harmony export */   y1: () => (/* binding */ plainLines)
/* harmony export */ });
/**
 * Text for whatever the action prints outside the hooks' framed output: one line of plain text,
 * durations and command lines as a user reads them.
 */
function formatDuration(ms) {
    if (ms < 1000)
        return `${Math.round(ms)} ms`;
    if (ms < 60_000)
        return `${(ms / 1000).toFixed(1)} s`;
    const s = Math.round(ms / 1000);
    return `${Math.floor(s / 60)} min ${s % 60} s`;
}
/**
 * Text from file names, config values or output, made one line of plain text that the runner
 * reads as nothing but text. A newline or any other control character is shown escaped, so a name
 * can never start a line of its own or move the cursor; and neither form of workflow command
 * survives. actions/runner, src/Runner.Common/ActionCommand.cs: `TryParseV2` takes `::cmd::` at
 * the start of the line after leading white space; when that fails (an unregistered name, no
 * closing `::`), `TryParse` takes the legacy `##[cmd]` from its first occurrence anywhere in the
 * line (`message.IndexOf("##[")`). So `::` at the start and every `##[` are escaped.
 */
function oneLine(text) {
    return (text
        // eslint-disable-next-line no-control-regex
        .replace(/[\x00-\x1f\x7f\u2028\u2029]/g, (c) => {
        if (c === '\n')
            return '\\n';
        if (c === '\r')
            return '\\r';
        if (c === '\t')
            return '\\t';
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    })
        .replace(/##\[/g, '##\\x5b')
        .replace(/^(\s*)::/, '$1\\x3a:'));
}
/** A command line as a shell would read it back. */
function commandLine(argv) {
    return argv
        .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
        .join(' ');
}
/** Why Rekkord reads a copy of the config, when it does. */
function copyNote(source) {
    return oneLine(`Rekkord reads a private copy of ${source} without its [Hooks] section, so that no hook runs twice (this Rekkord has no --no_hooks).`);
}
/** Text of several lines (an error quoting a program's last lines), each made plain as above. */
function plainLines(text) {
    return text.split('\n').map(oneLine).join('\n');
}


/***/ }),

/***/ 166:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  U4: () => (/* binding */ expandBatteries),
  $O: () => (/* binding */ findBatteriesFolder),
  $H: () => (/* binding */ phaseBatteries)
});

// UNUSED EXPORTS: BATTERY_TABLE

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(24);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(760);
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_);
;// CONCATENATED MODULE: external "node:url"
const external_node_url_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");
;// CONCATENATED MODULE: ./src/plan/batteries.ts
/**
 * The batteries (batteries/ beside the bundles): which scripts there are, the phase each runs in
 * (its header's `# phase:` line, checked by a test), and the order they run in when the
 * `batteries` input enables them. The table is outermost first: a pre phase runs it top down
 * (heartbeat, then services, then dumps), a post phase bottom up (cleanups, then services, then
 * heartbeat), so that what a battery sets up is there for everything inside it.
 */



const BATTERY_TABLE = [
    { name: 'heartbeat-start', family: 'heartbeat', phase: 'pre-save' },
    { name: 'heartbeat-end', family: 'heartbeat', phase: 'post-save' },
    { name: 'services-stop', family: 'services', phase: 'pre-save' },
    { name: 'services-start', family: 'services', phase: 'post-save' },
    { name: 'postgresql-dump', family: 'postgresql', phase: 'pre-save' },
    { name: 'postgresql-cleanup', family: 'postgresql', phase: 'post-save' },
    { name: 'postgresql-drill', family: 'postgresql', phase: 'post-restore' },
    { name: 'mariadb-dump', family: 'mariadb', phase: 'pre-save' },
    { name: 'mariadb-cleanup', family: 'mariadb', phase: 'post-save' },
    { name: 'mariadb-drill', family: 'mariadb', phase: 'post-restore' },
    { name: 'sqlite-backup', family: 'sqlite', phase: 'pre-save' },
    { name: 'sqlite-cleanup', family: 'sqlite', phase: 'post-save' },
    { name: 'sqlite-drill', family: 'sqlite', phase: 'post-restore' },
];
const BATTERY_FAMILIES = [...new Set(BATTERY_TABLE.map((b) => b.family))];
/**
 * The batteries a list of names enables (a family name enables all its scripts), in table order;
 * an error message for the first unknown name.
 */
function expandBatteries(names) {
    const wanted = new Set();
    for (const name of names) {
        const family = BATTERY_TABLE.filter((b) => b.family === name);
        const one = BATTERY_TABLE.filter((b) => b.name === name);
        if (family.length === 0 && one.length === 0) {
            return {
                error: `'${name}' is no battery; expected a family (${BATTERY_FAMILIES.join(', ')}) or a script (${BATTERY_TABLE.map((b) => b.name).join(', ')})`,
            };
        }
        for (const b of [...family, ...one])
            wanted.add(b.name);
    }
    return { batteries: BATTERY_TABLE.filter((b) => wanted.has(b.name)).map((b) => b.name) };
}
/** The enabled batteries of one phase, in the order they run. */
function phaseBatteries(enabled, phase) {
    const names = BATTERY_TABLE.filter((b) => b.phase === phase && enabled.includes(b.name)).map((b) => b.name);
    return phase.startsWith('pre-') ? names : names.reverse();
}
/**
 * The batteries folder that ships with the code at `moduleUrl`: the nearest `batteries/` with the
 * scripts in it, from the module's folder up three levels. That covers the action's bundles
 * (`dist/index.js`, `dist/post/index.js` in the action's checkout), the command line's
 * (`dist/cli/index.js` in the npm package) and the sources (`src/plan/`). Links are resolved
 * first: npm starts the command line through a link in `node_modules/.bin`.
 */
function findBatteriesFolder(moduleUrl) {
    let dir;
    try {
        dir = external_node_path_default().dirname((0,external_node_fs_.realpathSync)((0,external_node_url_namespaceObject.fileURLToPath)(moduleUrl)));
    }
    catch {
        return null;
    }
    for (let level = 0; level <= 3; level++) {
        const candidate = external_node_path_default().join(dir, 'batteries');
        if ((0,external_node_fs_.existsSync)(external_node_path_default().join(candidate, BATTERY_TABLE[0].name)))
            return candidate;
        dir = external_node_path_default().dirname(dir);
    }
    return null;
}


/***/ }),

/***/ 593:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Lo: () => (/* binding */ COMMANDS),
/* harmony export */   Lx: () => (/* binding */ commandSpec),
/* harmony export */   RI: () => (/* binding */ savesRaw),
/* harmony export */   YG: () => (/* binding */ isOperation),
/* harmony export */   jL: () => (/* binding */ OPERATION_TABLE),
/* harmony export */   xb: () => (/* binding */ OPERATIONS),
/* harmony export */   xz: () => (/* binding */ rekkordArguments)
/* harmony export */ });
/* unused harmony export COMMAND_TABLE */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _kernel_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(386);
/**
 * The command table: everything the action knows about each Rekkord command, in one place. The
 * inputs, the plan, the Rekkord step and the command line read it, so a new command is one entry
 * here (the compiler asks for every field) plus its behaviour in the Rekkord stand-in.
 */



const FORCE_OPTIONS = /^(-f|--force)$/;
/**
 * `save --no_snapshot` (`--raw` in some builds) saves one path as a bare object: no channel, one
 * path only, and Rekkord prints `Data OID:` (cli/snapshot.cc, newest: `if (!raw) save.channel =
 * opt.ConsumeNonOption();`, `Only one object can be saved up in raw mode`).
 */
const RAW_OPTIONS = /^(--no_snapshot|--raw)$/;
function savesRaw(args) {
    return args.some((a) => RAW_OPTIONS.test(a));
}
/**
 * Where Rekkord's own arguments are given, in an edge's words: the action's `'args'` input, the
 * command line's arguments after `--` (with an example, shown as `-- example`).
 */
function rekkordArguments(w, example) {
    if (w.edge === 'action')
        return "'args'";
    return example ? `the Rekkord arguments (-- ${example})` : 'the Rekkord arguments';
}
/** Rekkord restores into a new or empty folder; a folder with files needs `-f` in `args`. */
async function checkDestination(values) {
    const destination = node_path__WEBPACK_IMPORTED_MODULE_1___default().resolve(values.workspace, values.destination ?? '');
    const info = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.stat)(destination).catch(() => null);
    if (!info)
        return;
    if (!info.isDirectory())
        throw new _kernel_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PreflightError */ .wG(`Destination ${destination} exists and is not a folder`);
    const forced = values.args.some((a) => FORCE_OPTIONS.test(a));
    if (!forced && (await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readdir)(destination)).length > 0) {
        throw new _kernel_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PreflightError */ .wG((w) => `Destination ${destination} is not empty: Rekkord would refuse to restore into it. Empty it, choose another folder, or add --force to ${rekkordArguments(w, '--force')}`);
    }
}
const COMMAND_TABLE = {
    save: {
        summary: 'pre-save hooks, rekkord save <channel> <path>..., post-save hooks',
        inputs: ['channel', 'paths'],
        required: ['channel', 'paths'],
        hookKeys: { pre: 'PreSaveDirectory', post: 'PostSaveDirectory' },
        keyMode: 'write',
        noHooksOption: true,
        tklbamOperation: 'backup',
        operands: (v) => (savesRaw(v.args) ? [...v.paths] : [v.channel ?? '', ...v.paths]),
    },
    scan: {
        summary: 'pre-scan hooks, rekkord scan, post-scan hooks',
        inputs: [],
        required: [],
        hookKeys: { pre: 'PreScanDirectory', post: 'PostScanDirectory' },
        keyMode: 'read',
        noHooksOption: true,
        tklbamOperation: 'scan',
        operands: () => [],
    },
    restore: {
        summary: 'rekkord restore <snapshot> <destination>, with hooks-dir hooks around it',
        inputs: ['snapshot', 'destination'],
        required: ['snapshot', 'destination'],
        hookKeys: null,
        keyMode: 'read',
        noHooksOption: false,
        tklbamOperation: 'restore',
        operands: (v) => [v.snapshot ?? '', v.destination ?? ''],
        preflight: checkDestination,
    },
};
const COMMANDS = Object.keys(COMMAND_TABLE);
const OPERATION_TABLE = {
    ...COMMAND_TABLE,
    validate: {
        summary: 'check every hook without running Rekkord (exercise: rehearse every phase)',
        inputs: ['exercise'],
        required: [],
    },
};
const OPERATIONS = Object.keys(OPERATION_TABLE);
function commandSpec(command) {
    return COMMAND_TABLE[command];
}
function isOperation(text) {
    return Object.hasOwn(OPERATION_TABLE, text);
}


/***/ }),

/***/ 61:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   JF: () => (/* binding */ masksOf),
/* harmony export */   KZ: () => (/* binding */ allHookDirectories),
/* harmony export */   To: () => (/* binding */ runSecrets),
/* harmony export */   Z9: () => (/* binding */ loadConfig),
/* harmony export */   bO: () => (/* binding */ repositoryAccess),
/* harmony export */   d8: () => (/* binding */ KEY_FILE_VARIABLES),
/* harmony export */   lg: () => (/* binding */ hookDirectories),
/* harmony export */   nV: () => (/* binding */ MIN_MASK_LENGTH),
/* harmony export */   p0: () => (/* binding */ locateConfig)
/* harmony export */ });
/* unused harmony export defaultConfigCandidates */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(24);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_os__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var ini__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(756);
/* harmony import */ var ini__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__nccwpck_require__.n(ini__WEBPACK_IMPORTED_MODULE_4__);
/* harmony import */ var _rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(70);
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(593);
/* harmony import */ var _paths_js__WEBPACK_IMPORTED_MODULE_7__ = __nccwpck_require__(935);
/* harmony import */ var _kernel_errors_js__WEBPACK_IMPORTED_MODULE_8__ = __nccwpck_require__(386);
/**
 * The Rekkord config: found where Rekkord looks for it, read as Rekkord reads it, with its hook
 * folders and its secrets. What the Rekkord step gets is in step-config.ts.
 */









/** The `[Hooks]` key of each phase, from the command table. */
const HOOK_KEYS = Object.fromEntries(_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .COMMANDS */ .Lo.flatMap((command) => {
    const keys = (0,_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .commandSpec */ .Lx)(command).hookKeys;
    return keys
        ? [[`pre-${command}`, keys.pre], [`post-${command}`, keys.post]]
        : [];
}));
/** Rekkord's default locations, in its order, after `-C` and `REKKORD_CONFIG_FILE`. */
async function defaultConfigCandidates(ctx) {
    const out = [];
    const platform = ctx.platform ?? process.platform;
    if (ctx.rekkordPath) {
        const real = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.realpath)(ctx.rekkordPath).catch(() => ctx.rekkordPath ?? '');
        out.push(node_path__WEBPACK_IMPORTED_MODULE_3___default().join(node_path__WEBPACK_IMPORTED_MODULE_3___default().dirname(real), 'rekkord.ini'));
    }
    if (platform === 'win32') {
        if (ctx.env.APPDATA)
            out.push(node_path__WEBPACK_IMPORTED_MODULE_3___default().join(ctx.env.APPDATA, 'rekkord', 'rekkord.ini'));
    }
    else {
        const xdg = ctx.env.XDG_CONFIG_HOME;
        const home = ctx.env.HOME || node_os__WEBPACK_IMPORTED_MODULE_2___default().homedir();
        out.push(node_path__WEBPACK_IMPORTED_MODULE_3___default().join(xdg ? xdg : node_path__WEBPACK_IMPORTED_MODULE_3___default().join(home, '.config'), 'rekkord', 'rekkord.ini'));
        out.push('/etc/rekkord/rekkord.ini');
    }
    return out;
}
async function locateConfig(explicit, ctx) {
    if (explicit)
        return { path: node_path__WEBPACK_IMPORTED_MODULE_3___default().resolve(ctx.cwd, explicit), source: 'input', searched: [] };
    const fromEnv = ctx.env.REKKORD_CONFIG_FILE;
    if (fromEnv)
        return { path: node_path__WEBPACK_IMPORTED_MODULE_3___default().resolve(ctx.cwd, fromEnv), source: 'REKKORD_CONFIG_FILE', searched: [] };
    const searched = await defaultConfigCandidates(ctx);
    const found = searched.find((candidate) => (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync)(candidate));
    return { path: found ?? null, source: found ? 'default' : null, searched };
}
function lenientHooks(text) {
    try {
        const parsed = ini__WEBPACK_IMPORTED_MODULE_4___default().parse(text);
        const hooks = parsed.Hooks;
        return typeof hooks === 'object' && hooks !== null ? hooks : {};
    }
    catch {
        return {};
    }
}
/** No Rekkord config comes near this; a bigger file is refused unread. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/**
 * The text of a config that is a regular file. A FIFO, a device (`/dev/zero`) or a socket could
 * block the read or never end it: it is opened without blocking, judged on what was opened (no
 * window between a check and the read), and refused unread unless it is a regular file of sane
 * size.
 */
async function readRegularFile(file, origin) {
    const handle = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.open)(file, node_fs__WEBPACK_IMPORTED_MODULE_1__.constants.O_RDONLY | node_fs__WEBPACK_IMPORTED_MODULE_1__.constants.O_NONBLOCK);
    try {
        const info = await handle.stat();
        const refuse = (what) => new _kernel_errors_js__WEBPACK_IMPORTED_MODULE_8__/* .PreflightError */ .wG((w) => `Rekkord config ${file} (from ${origin(w)}) ${what}`);
        if (info.isDirectory())
            throw refuse('is a directory, not a file');
        if (!info.isFile()) {
            const kind = info.isFIFO()
                ? 'a named pipe (FIFO)'
                : info.isCharacterDevice() || info.isBlockDevice()
                    ? 'a device'
                    : info.isSocket()
                        ? 'a socket'
                        : 'not a regular file';
            throw refuse(`is ${kind.startsWith('not') ? kind : `${kind}, not a regular file`}`);
        }
        if (info.size > MAX_CONFIG_BYTES) {
            throw refuse(`is ${info.size} bytes: a Rekkord config is far smaller (at most 1 MiB read)`);
        }
        const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
        let length = 0;
        for (;;) {
            const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
            if (bytesRead === 0)
                break;
            length += bytesRead;
            if (length > MAX_CONFIG_BYTES)
                throw refuse('grew over 1 MiB while read');
        }
        return buffer.subarray(0, length).toString('utf8');
    }
    finally {
        await handle.close();
    }
}
async function loadConfig(file, source, env) {
    const origin = (w) => source === 'input'
        ? w.edge === 'action'
            ? "the 'config' input"
            : w.setting('config')
        : source === 'REKKORD_CONFIG_FILE'
            ? '$REKKORD_CONFIG_FILE'
            : 'the default location';
    let text;
    try {
        text = await readRegularFile(file, origin);
    }
    catch (error) {
        if (error instanceof _kernel_errors_js__WEBPACK_IMPORTED_MODULE_8__/* .PreflightError */ .wG)
            throw error;
        throw new _kernel_errors_js__WEBPACK_IMPORTED_MODULE_8__/* .PreflightError */ .wG((w) => (0,_kernel_errors_js__WEBPACK_IMPORTED_MODULE_8__/* .errnoSentence */ .gW)(`Rekkord config ${file} (from ${origin(w)})`, error, 'read'));
    }
    let doc;
    try {
        doc = (0,_rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__/* .parseRekkordIni */ .i2)(text, file);
    }
    catch (error) {
        if (error instanceof _rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__/* .IniError */ .Jq) {
            throw new _kernel_errors_js__WEBPACK_IMPORTED_MODULE_8__/* .PreflightError */ .wG(`Rekkord would refuse its config: ${error.message}`, {
                file,
                line: error.line,
            });
        }
        throw error;
    }
    const dir = node_path__WEBPACK_IMPORTED_MODULE_3___default().dirname(file);
    const lenient = lenientHooks(text);
    const hooks = {};
    const phaseOf = new Map(Object.entries(HOOK_KEYS).map(([phase, key]) => [key, phase]));
    // Every occurrence counts: Rekkord lists the folder of each one (`lib/config.cc`, LoadIni).
    for (const entry of doc.entries) {
        const phase = entry.section === 'Hooks' ? phaseOf.get(entry.key) : undefined;
        if (!phase)
            continue;
        if (entry.value === '') {
            throw new _kernel_errors_js__WEBPACK_IMPORTED_MODULE_8__/* .PreflightError */ .wG(`${file}:${entry.line}: [Hooks] ${entry.key} is empty; remove the line to run no ${phase} hooks`, { file, line: entry.line });
        }
        const other = lenient[entry.key];
        const lenientValue = typeof other === 'string' && other !== entry.value ? other : null;
        (hooks[phase] ??= []).push({
            key: entry.key,
            value: entry.value,
            directory: node_path__WEBPACK_IMPORTED_MODULE_3___default().resolve(dir, (0,_paths_js__WEBPACK_IMPORTED_MODULE_7__/* .expandHome */ .k)(entry.value, env)),
            line: entry.line,
            lenientValue,
        });
    }
    const secrets = configSecrets(doc);
    return { path: file, source, doc, hooks, secrets };
}
/** The `[Hooks]` folders of a phase, in file order (restore has none in Rekkord). */
function hookDirectories(config, phase) {
    return config?.hooks[phase] ?? [];
}
/** Every `[Hooks]` folder the config names, whatever the command: Rekkord loads them all. */
function allHookDirectories(config) {
    return Object.values(config?.hooks ?? {}).flat();
}
/**
 * The shortest value registered as a mask: the runner hides a mask everywhere in the job's log,
 * so a two-letter one would wreck it. A shorter secret is named in a warning instead.
 */
const MIN_MASK_LENGTH = 4;
/**
 * The secrets that can be masks, and the names of those too short to be. The runner masks its log
 * one line at a time, and `add-mask` registers the value whole (actions/runner,
 * src/Runner.Worker/ActionCommandManager.cs, `AddMaskCommandExtension`): a multi-line value such as
 * a PEM key in `$SSH_KEY` would match no line. So each of its lines, trimmed, is a mask of its own
 * as well, as the runner does for the job's secrets (src/Runner.Worker/Worker.cs).
 */
function masksOf(secrets) {
    const masks = new Set();
    const tooShort = new Set();
    const add = (name, value) => {
        if (value.trim().length >= MIN_MASK_LENGTH)
            masks.add(value);
        else if (value.trim() !== '')
            tooShort.add(name);
    };
    for (const { name, value } of secrets) {
        add(name, value);
        const lines = value.split(/\r\n|\r|\n/);
        if (lines.length < 2)
            continue;
        lines.forEach((line, i) => {
            add(`${name} (line ${i + 1} of its value)`, line.trim());
        });
    }
    return { masks: [...masks], tooShort: [...tooShort] };
}
/**
 * The user-info secrets of a URL (`https://ID:SECRET@host/…`, `sftp://user:PASS@host/…`): the
 * password whole, from the first `:` after the user name to the `@`, whatever it holds. Which `@`
 * ends the user-info is ambiguous when a password holds `@` or a path does: both readings are
 * masked, the first and the last `@`.
 */
function urlSecrets(url, name, repository = true) {
    const rest = /^(?:s3:)?[a-z0-9+.-]+:\/\/(.*)$/is.exec(url)?.[1];
    if (!rest?.includes('@'))
        return [];
    const out = [];
    for (const at of new Set([rest.indexOf('@'), rest.lastIndexOf('@')])) {
        const userInfo = rest.slice(0, at);
        const colon = userInfo.indexOf(':');
        const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
        if (colon >= 0)
            out.push({ name: `the password in ${name}`, value: userInfo.slice(colon + 1) });
        // An S3 repository URL carries the key ID as the user: masked as the [S3] KeyID is.
        if (repository && /^(s3:)?https?:/i.test(url))
            out.push({ name: `the user in ${name}`, value: user });
    }
    return out;
}
/**
 * Environment variables Rekkord reads secrets from, as its source (Koromix/rygel) names them:
 * - `REKKORD_AGENT_KEY`: src/rekkord/lib/config.cc@69a10b31, `rk_Config::Complete`;
 *   `REKKORD_PASSWORD`: lib/config.cc@0d577808, in the builds with a repository user and password.
 * - `S3_` then `AWS_`, each with `ACCESS_KEY_ID` and `SECRET_ACCESS_KEY`: src/core/request/s3.cc
 *   @94b49f2f, `GetS3Env` in `s3_Config::Complete`. The key ID names the account: masked as the
 *   [S3] KeyID is.
 * - `SSH_PASSWORD`, and `SSH_KEY`, a private key itself (PEM, several lines): src/core/request/ssh.cc
 *   @e4fa7670, `ssh_Config::Complete` (`SSH_KEYFILE` and `SSH_FINGERPRINT` are no secrets).
 * - `REKKORD_LINK_KEY`: no readable source reads it (the [Link] builds' config.cc is not
 *   readable); masked in case a build does.
 */
const SECRET_VARIABLES = [
    'REKKORD_LINK_KEY',
    'REKKORD_AGENT_KEY',
    'REKKORD_PASSWORD',
    'S3_SECRET_ACCESS_KEY',
    'S3_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_ACCESS_KEY_ID',
    'SSH_PASSWORD',
    'SSH_KEY',
];
/** Every secret the config holds, each named by section, key and line. */
function configSecrets(doc) {
    return doc.entries.flatMap((e) => {
        if (!(0,_rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__/* .knownKeys */ .eE)(_rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__/* .KNOWN_KEYS */ .B, e.section).includes(e.key))
            return unknownKeySecrets(e);
        const name = `[${e.section}] ${e.key} (line ${e.line})`;
        if ((0,_rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__/* .knownKeys */ .eE)(_rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__/* .SECRET_KEYS */ .GR, e.section).includes(e.key))
            return [{ name, value: e.value }];
        // The [Link] URL leads to the account that watches the repository: hidden whole.
        const whole = e.section === 'Link' ? [{ name, value: e.value }] : [];
        if (e.key === 'URL')
            return [...whole, ...urlSecrets(e.value, name, whole.length === 0)];
        return [];
    });
}
/**
 * A key the action does not know is Rekkord's to judge, and Rekkord's refusal quotes it. A line
 * such as `SecretKey: Zm9v…=` reads as one key holding the secret, and a mistyped `secretkey = …`
 * holds one as its value: both are masked before Rekkord can print them.
 */
function unknownKeySecrets(e) {
    const name = `an unknown key in [${e.section}] (line ${e.line})`;
    const out = [];
    if (!(0,_rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__/* .isPlainName */ .sh)(e.key))
        out.push({ name, value: e.key });
    if (/secret|pass|key|token|credential/i.test(e.key))
        out.push({ name, value: e.value });
    if (e.key === 'URL')
        out.push(...urlSecrets(e.value, name, true));
    return out.filter((s) => s.value.trim() !== '');
}
/** What Rekkord takes from the environment and from `-R URL` / `--repository URL` in args. */
function runSecrets(env, args = []) {
    const out = SECRET_VARIABLES.map((v) => ({ name: `$${v}`, value: env[v] ?? '' }));
    out.push(...urlSecrets(env.REKKORD_REPOSITORY ?? '', '$REKKORD_REPOSITORY'));
    args.forEach((arg, i) => {
        const joined = /^(?:-R|--repository)=?(.+)$/.exec(arg)?.[1];
        const url = joined ?? (arg === '-R' || arg === '--repository' ? args[i + 1] : undefined);
        if (url)
            out.push(...urlSecrets(url, `the repository URL in 'args'`));
    });
    return out.filter((s) => s.value.trim() !== '');
}
/**
 * Rekkord's options for the repository, taken anywhere on its command line and overriding the
 * config (Koromix/rygel src/rekkord/cli/rekkord.cc, newest, `HandleCommonOption`): every Rekkord
 * call the action makes for the repository gets the same ones from `args`.
 */
const REPOSITORY_OPTIONS = {
    repository: ['-R', '--repository'],
    keyFile: ['-K', '--key_file'],
    threads: ['-j', '--threads'],
};
/** The repository options in `args` (`-K FILE`, `-KFILE`, `--key_file FILE`, `--key_file=FILE`). */
function repositoryOptions(args) {
    const out = { argv: [], keyFile: false };
    for (let i = 0; i < args.length; i++) {
        const arg = args[i] ?? '';
        if (arg === '--')
            break;
        for (const [name, [short, long]] of Object.entries(REPOSITORY_OPTIONS)) {
            let value;
            if (arg === short || arg === long) {
                value = args[i + 1];
                if (value === undefined)
                    continue;
                out.argv.push(arg, value);
                i++;
            }
            else if (arg.startsWith(`${long}=`) || (arg.startsWith(short) && arg.length > 2)) {
                value = arg.startsWith(`${long}=`) ? arg.slice(long.length + 1) : arg.slice(2);
                out.argv.push(arg);
            }
            else
                continue;
            if (name === 'keyFile' && value !== '')
                out.keyFile = true;
            break;
        }
    }
    return out;
}
/**
 * The key file variables, newest first: the newest docs name `REKKORD_KEY_FILE`, the builds whose
 * source is readable read `REKKORD_KEYFILE` (lib/config.cc@69a10b31, `rk_Config::Complete`); a
 * build reads one of them, so the action looks at both.
 */
const KEY_FILE_VARIABLES = ['REKKORD_KEY_FILE', 'REKKORD_KEYFILE'];
/**
 * What every Rekkord call for the repository shares: the repository options of `args`, and whether
 * a key file is named (`-K` in `args`, then the config, then the environment: cli/rekkord.cc and
 * `rk_Config::Complete`).
 */
function repositoryAccess(config, args, env) {
    const options = repositoryOptions(args);
    const inConfig = config ? !!(0,_rekkord_ini_js__WEBPACK_IMPORTED_MODULE_5__/* .lastEntry */ .vi)(config.doc, 'Repository', 'KeyFile')?.value : false;
    return {
        keyFileNamed: options.keyFile || inConfig || KEY_FILE_VARIABLES.some((n) => env[n]),
        options: options.argv,
    };
}


/***/ }),

/***/ 405:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   DG: () => (/* binding */ directoryProblem),
/* harmony export */   bb: () => (/* binding */ listHookDirectory),
/* harmony export */   sO: () => (/* binding */ REKKORD_LISTING),
/* harmony export */   v: () => (/* binding */ MAX_HOOKS_PER_FOLDER)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(24);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _kernel_files_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(762);
/* harmony import */ var _kernel_errors_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(386);
/**
 * Hook discovery: which entries of a hook directory run, in which order, and which are skipped.
 *
 * Names are sorted by their bytes (`10` < `9` < `B` < `_x` < `a`), as a C `strcmp` sorts them.
 * Folders are skipped. In a config's `[Hooks]` folder every other entry is a hook, dotfiles
 * included, at most 1024 of them, as Rekkord lists it (`src/core/base/base.cc`, `EnumerateFiles`
 * skips only `.` and `..`; `lib/config.cc` loads each folder's entries). An entry that cannot be
 * started (not executable, a broken link, not a regular file) still counts, as a failed hook, so
 * that a dump that never ran cannot pass unnoticed. Other sources change these rules by their
 * ListingRules (a TKLBAM `hooks.d` skips what is not executable and `*.sig`: hook-sources.ts).
 */





/** The most entries Rekkord takes from one hook folder (`lib/config.cc`). */
const MAX_HOOKS_PER_FOLDER = 1024;
/** Rekkord's own `[Hooks]` folders. */
const REKKORD_LISTING = {
    dotfiles: 'hook',
    maxHooks: MAX_HOOKS_PER_FOLDER,
    notExecutable: 'fail',
    skipSuffixes: [],
};
/** Why a non-executable file is skipped; `chmod +x` advised only for a file that looks like a hook. */
async function notExecutableReason(file, mode) {
    const head = await (0,_kernel_files_js__WEBPACK_IMPORTED_MODULE_3__/* .readHead */ .z)(file, 2);
    return head?.toString('latin1') === '#!'
        ? `not executable (mode ${mode}); it has a #! line: chmod +x it to run it`
        : `not executable (mode ${mode})`;
}
/** Why a configured hook directory cannot be used, or null when it can. */
async function directoryProblem(dir) {
    try {
        const info = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.stat)(dir);
        if (!info.isDirectory())
            return `${dir} is not a directory`;
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.access)(dir, node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.R_OK | node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.X_OK);
        return null;
    }
    catch (error) {
        return (0,_kernel_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .errnoSentence */ .gW)(dir, error, 'read');
    }
}
/**
 * Whether an entry is skipped (a directory) or run, and then why it cannot start, if so; with a
 * regular file's mode (`0644`), which a skipped non-executable file is described by.
 */
async function classify(file) {
    let info;
    try {
        info = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.stat)(file);
    }
    catch (error) {
        const code = error.code;
        const kind = code === 'ENOENT' || code === 'ELOOP' ? 'broken-link' : 'unreadable';
        return { problem: { kind, message: (0,_kernel_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .errnoSentence */ .gW)('it', error, 'examine') } };
    }
    if (info.isDirectory())
        return { skip: 'directory' };
    if (!info.isFile())
        return { problem: { kind: 'not-a-file', message: 'it is not a regular file' } };
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    if ((info.mode & 0o111) === 0)
        return {
            problem: {
                kind: 'not-executable',
                message: `it is not executable (mode ${mode}; run chmod +x on it)`,
            },
            mode,
        };
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.access)(file, node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.X_OK);
    }
    catch {
        return {
            problem: {
                kind: 'not-executable',
                message: `it is not executable by this user (mode ${mode})`,
            },
            mode,
        };
    }
    return {};
}
/** Lists one hook folder; its hooks get `args` (`OPERATION STATE` for a hooks.d folder). */
async function listHookDirectory(dir, args = [], rules = REKKORD_LISTING) {
    const names = rules.names
        ? rules.names.map((n) => Buffer.from(n, 'utf8'))
        : (await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.readdir)(dir, { encoding: 'buffer' })).sort((a, b) => Buffer.compare(a, b));
    const hooks = [];
    const skipped = [];
    const examined = rules.limit === undefined ? names : names.slice(0, rules.limit);
    for (const raw of examined) {
        const name = raw.toString('utf8');
        const file = node_path__WEBPACK_IMPORTED_MODULE_2___default().join(dir, name);
        if (raw[0] === 0x2e && rules.dotfiles === 'skip') {
            skipped.push({ name, path: file, reason: 'dotfile' });
            continue;
        }
        if (rules.skipSuffixes.some((suffix) => name.endsWith(suffix))) {
            skipped.push({ name, path: file, reason: 'signature file' });
            continue;
        }
        if (!Buffer.from(name, 'utf8').equals(raw)) {
            hooks.push({
                name,
                path: file,
                args,
                problem: {
                    kind: 'bad-name',
                    message: 'its name is not valid UTF-8, so it cannot be started; rename it',
                },
            });
            continue;
        }
        const kind = await classify(file);
        // A named entry that is not there at all, not even as a link (a battery missing from an
        // incomplete copy), cannot start; only an entry that looks like a broken link can be one.
        if (rules.names &&
            'problem' in kind &&
            kind.problem?.kind === 'broken-link' &&
            !(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.lstat)(file).catch(() => null))) {
            hooks.push({
                name,
                path: file,
                args,
                problem: { kind: 'not-a-file', message: `it is missing from ${dir}` },
            });
            continue;
        }
        if ('skip' in kind)
            skipped.push({ name, path: file, reason: kind.skip });
        else if (kind.problem?.kind === 'not-executable' && rules.notExecutable === 'skip') {
            skipped.push({ name, path: file, reason: await notExecutableReason(file, kind.mode ?? '') });
        }
        else
            hooks.push({ name, path: file, args, ...(kind.problem ? { problem: kind.problem } : {}) });
    }
    if (rules.limit === undefined && rules.maxHooks !== null && hooks.length > rules.maxHooks) {
        throw new Error(`${dir} holds ${hooks.length} hooks; Rekkord takes at most ${rules.maxHooks} from one folder`);
    }
    return { hooks, skipped, unexamined: names.length - examined.length };
}


/***/ }),

/***/ 35:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   K: () => (/* binding */ HOOK_SOURCE_KINDS),
/* harmony export */   U: () => (/* binding */ hookSourceSpec)
/* harmony export */ });
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(593);
/* harmony import */ var _batteries_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(166);
/* harmony import */ var _config_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(61);
/* harmony import */ var _discovery_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(405);
/**
 * The hook sources, as a table: where each kind of hook folder comes from and the rules its hooks
 * follow. The plan, the phase runner, `validate` and the command line's options read it, so a new
 * source is one entry here (and its input in action.yml and inputs.ts).
 */





/**
 * A TKLBAM `hooks.d` as TKLBAM lists it (hooks.py@1f7f98ca, `_run_hooks`): only files this user may
 * execute (`os.access(X_OK)`), never `*.sig`; the others are skipped, not failures. Dotfiles are
 * skipped too, as `run-parts` does (TKLBAM would run an executable one).
 */
const TKLBAM_LISTING = {
    dotfiles: 'skip',
    maxHooks: null,
    notExecutable: 'skip',
    skipSuffixes: ['.sig'],
};
const HOOK_SOURCES = {
    /** Rekkord's own `[Hooks]` folders, named by the config. */
    config: {
        input: 'config',
        folders: (_settings, config, phase) => (0,_config_js__WEBPACK_IMPORTED_MODULE_3__/* .hookDirectories */ .lg)(config, phase).map((setting) => ({ directory: setting.directory, setting })),
        listing: _discovery_js__WEBPACK_IMPORTED_MODULE_4__/* .REKKORD_LISTING */ .sO,
        args: () => [],
        order: { pre: 2, post: 0 },
        shellRules: true,
    },
    /** A TKLBAM `hooks.d`: around Rekkord's own, each hook given `OPERATION STATE` (`backup pre`). */
    'hooks-dir': {
        input: 'hooks-dir',
        option: { value: 'DIR', help: 'TKLBAM-style hooks.d folder (hooks get OPERATION STATE)' },
        folders: (settings) => settings.hooksDir ? [{ directory: node_path__WEBPACK_IMPORTED_MODULE_0___default().resolve(settings.workspace, settings.hooksDir) }] : [],
        listing: TKLBAM_LISTING,
        args: (command, stage) => [(0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .commandSpec */ .Lx)(command).tklbamOperation, stage],
        order: { pre: 0, post: 2 },
        shellRules: false,
    },
    /**
     * The batteries the `batteries` input enables, from the folder shipped with the action: hooks
     * as in a `[Hooks]` folder (no arguments), between `hooks-dir` and `[Hooks]`, so a dump is there
     * for the user's own hooks and the heartbeat wraps them; their order is batteries.ts's.
     */
    batteries: {
        input: 'batteries',
        option: {
            value: 'NAMES',
            multiple: true,
            help: 'ready hooks to run: postgresql, mariadb, sqlite, services, heartbeat or a script name (comma-separated or repeated)',
        },
        folders(settings, _config, phase) {
            const names = (0,_batteries_js__WEBPACK_IMPORTED_MODULE_2__/* .phaseBatteries */ .$H)(settings.batteries, phase);
            return names.length > 0 && settings.batteriesDir
                ? [{ directory: settings.batteriesDir, names }]
                : [];
        },
        listing: _discovery_js__WEBPACK_IMPORTED_MODULE_4__/* .REKKORD_LISTING */ .sO,
        args: () => [],
        order: { pre: 1, post: 1 },
        shellRules: false,
    },
};
const HOOK_SOURCE_KINDS = Object.keys(HOOK_SOURCES);
function hookSourceSpec(kind) {
    return HOOK_SOURCES[kind];
}


/***/ }),

/***/ 846:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   P$: () => (/* binding */ parseSettings)
/* harmony export */ });
/* unused harmony exports CHANNEL_MAX_BYTES, MAX_HOOK_TIMEOUT_S, DEFAULT_LOCK_WAIT_S */
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(593);
/* harmony import */ var _paths_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(935);
/* harmony import */ var _batteries_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(166);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(898);
/* harmony import */ var _kernel_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(386);
/** Inputs: every input validated once, with a clear error, into one immutable settings object. */





const CHANNEL_MAX_BYTES = 256;
/** The longest `hook-timeout`: 24 days, comfortably inside what a timer can hold. */
const MAX_HOOK_TIMEOUT_S = 24 * 24 * 3600;
// Options that choose a config: the action must know which config Rekkord reads.
const CONFIG_OPTIONS = /^(-C.*|--config_file(=.*)?|--no_config|--no_hooks)$/;
const OID_PATTERN = new RegExp(`^${_types_js__WEBPACK_IMPORTED_MODULE_4__/* .OID */ .V}$`);
// The values `core.getBooleanInput` accepts (the YAML 1.2 core schema's booleans).
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];
/** One value per line; each line's surrounding spaces are dropped, empty lines ignored. */
function lines(value) {
    return value
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '');
}
/** A setting is wrong: the message names it in the words of the edge that shows it. */
function fail(message) {
    throw new _kernel_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PreflightError */ .wG(message, undefined, true);
}
/** `Input 'name'` for the action, `--name` (or the operand) for the command line. */
const named = (name) => (w) => (0,_kernel_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .capitalized */ .l2)(w.setting(name));
function boolean(name, text) {
    if (text === '' || FALSE.includes(text))
        return false;
    if (TRUE.includes(text))
        return true;
    return fail((w) => `${named(name)(w)} is '${text}'; expected true or false`);
}
/** A channel as Rekkord accepts it: not empty, at most 256 bytes, one line, not an option. */
function checkChannel(name, channel) {
    if (channel === '')
        fail((w) => `${named(name)(w)} is required: Rekkord says 'Snapshot channel cannot be empty'`);
    const bytes = Buffer.byteLength(channel, 'utf8');
    if (bytes > CHANNEL_MAX_BYTES) {
        fail((w) => `${named(name)(w)} is ${bytes} bytes long; Rekkord's limit is ${CHANNEL_MAX_BYTES} bytes`);
    }
    if (channel.startsWith('-')) {
        fail((w) => `${named(name)(w)} must not start with '-' (Rekkord would read it as an option)`);
    }
    if (/[\r\n]/.test(channel))
        fail((w) => `${named(name)(w)} must be a single line`);
}
function notAnOption(what, value) {
    if (value.startsWith('-'))
        fail(() => `${what} '${value}' starts with '-'; write it as './${value}'`);
}
function hookTimeoutMs(text) {
    if (!/^\d+(\.\d+)?$/.test(text)) {
        fail((w) => `${named('hook-timeout')(w)} is '${text}'; expected a number of seconds (0 for no limit)`);
    }
    const seconds = Number(text);
    if (seconds > MAX_HOOK_TIMEOUT_S) {
        fail((w) => `${named('hook-timeout')(w)} is ${text} s; the most is ${MAX_HOOK_TIMEOUT_S} s (24 days)`);
    }
    const ms = Math.round(seconds * 1000);
    if (seconds > 0 && ms === 0) {
        fail((w) => `${named('hook-timeout')(w)} is ${text} s, less than a millisecond; use 0 for no limit`);
    }
    return ms;
}
/**
 * The `batteries` input: names separated by commas, spaces or lines; checked before anything runs.
 * The folder is only looked for when a battery is named (`findDir`), not on every start.
 */
function batteries(text, findDir) {
    const names = text.split(/[\s,]+/).filter((n) => n !== '');
    if (names.length === 0)
        return { batteries: [], dir: null };
    const expanded = (0,_batteries_js__WEBPACK_IMPORTED_MODULE_2__/* .expandBatteries */ .U4)(names);
    if ('error' in expanded)
        fail((w) => `${named('batteries')(w)}: ${expanded.error}`);
    const dir = findDir();
    if (dir === null) {
        fail((w) => `${named('batteries')(w)}: the batteries folder was not found beside the code (a batteries/ folder next to dist/)`);
    }
    return { batteries: expanded.batteries, dir };
}
/** A scheduled backup colliding with a manual one waits this long by default: 10 minutes. */
const DEFAULT_LOCK_WAIT_S = 600;
function lockWaitSeconds(text) {
    if (!/^\d+(\.\d+)?$/.test(text) || Number(text) > MAX_HOOK_TIMEOUT_S) {
        fail((w) => `${named('lock-wait')(w)} is '${text}'; expected a number of seconds up to ${MAX_HOOK_TIMEOUT_S} (0: do not wait)`);
    }
    return Number(text);
}
/**
 * How each command-specific input is read, and whether it was given at all (a default such as
 * `false` is not a choice). A new input is a compile error until it has its line here.
 */
const COMMAND_INPUTS = {
    channel: {
        given: (raw) => raw('channel').trim() !== '',
        read(raw) {
            // Rekkord takes the channel verbatim; only a trailing newline from a YAML block is dropped.
            const channel = raw('channel').replace(/\r?\n$/, '');
            checkChannel('channel', channel);
            return { channel };
        },
    },
    paths: {
        given: (raw) => raw('paths').trim() !== '',
        read(raw, env) {
            const paths = lines(raw('paths')).map((p) => (0,_paths_js__WEBPACK_IMPORTED_MODULE_1__/* .expandHome */ .k)(p, env));
            if (paths.length === 0)
                fail((w) => w.edge === 'action'
                    ? "Input 'paths' is required for save: one path per line"
                    : 'save needs the paths to save: PATH operands after the command');
            paths.forEach((p) => {
                notAnOption('Path', p);
            });
            return { paths };
        },
    },
    snapshot: {
        given: (raw) => raw('snapshot').trim() !== '',
        read(raw) {
            const snapshot = raw('snapshot').trim();
            if (snapshot === '')
                fail((w) => `${named('snapshot')(w)} is required for restore: an OID or a channel`);
            // `OID:path/inside` and `channel:path/inside` pick a sub-tree; the part before is checked.
            const colon = snapshot.indexOf(':');
            const base = colon >= 0 ? snapshot.slice(0, colon) : snapshot;
            if (/^[MRmr][0-9A-Fa-f]{64}$/.test(base) && !OID_PATTERN.test(base)) {
                fail((w) => `${named('snapshot')(w)} looks like an OID but is not upper case: '${base}'`);
            }
            checkChannel('snapshot', base);
            return { snapshot };
        },
    },
    destination: {
        given: (raw) => raw('destination').trim() !== '',
        read(raw, env) {
            const destination = (0,_paths_js__WEBPACK_IMPORTED_MODULE_1__/* .expandHome */ .k)(raw('destination').trim(), env);
            if (destination === '')
                fail((w) => `${named('destination')(w)} is required for restore: a folder`);
            notAnOption('Destination', destination);
            return { destination };
        },
    },
    exercise: {
        given: (raw) => boolean('exercise', raw('exercise').trim()),
        read: (raw) => ({ exercise: boolean('exercise', raw('exercise').trim()) }),
    },
};
function commandValues(command, read, env, args) {
    const spec = _commands_js__WEBPACK_IMPORTED_MODULE_0__/* .OPERATION_TABLE */ .jL[command];
    // `save --no_snapshot`: one path, no channel (Rekkord takes none in that mode); the other
    // inputs are refused as for any save.
    const raw = command === 'save' && (0,_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .savesRaw */ .RI)(args);
    if (raw && COMMAND_INPUTS.channel.given(read))
        fail((w) => `${named('channel')(w)} is not used with --no_snapshot: Rekkord saves the path with no channel`);
    const values = {
        channel: null,
        paths: [],
        snapshot: null,
        destination: null,
        exercise: false,
    };
    for (const [name, input] of Object.entries(COMMAND_INPUTS)) {
        if (spec.inputs.includes(name)) {
            const required = spec.required.includes(name) && !(raw && name === 'channel');
            if (required || input.given(read))
                Object.assign(values, input.read(read, env));
        }
        else if (input.given(read)) {
            const users = _commands_js__WEBPACK_IMPORTED_MODULE_0__/* .OPERATIONS */ .xb.filter((o) => _commands_js__WEBPACK_IMPORTED_MODULE_0__/* .OPERATION_TABLE */ .jL[o].inputs.includes(name));
            fail((w) => `${named(name)(w)} is only used by ${users.join(', ')}, not ${command}`);
        }
    }
    if (raw && values.paths.length !== 1)
        fail((w) => `${named('paths')(w)} must hold one path with --no_snapshot: Rekkord saves one object in that mode`);
    return values;
}
function parseSettings(input, context) {
    const get = (name) => input(name).trim();
    const path = (name) => {
        const value = get(name);
        return value === '' ? null : (0,_paths_js__WEBPACK_IMPORTED_MODULE_1__/* .expandHome */ .k)(value, context.env);
    };
    const command = get('command');
    if (command === '')
        fail((w) => `${named('command')(w)} is required: one of ${_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .OPERATIONS */ .xb.join(', ')}`);
    if (!(0,_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .isOperation */ .YG)(command)) {
        fail((w) => `${named('command')(w)} is '${command}'; expected one of ${_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .OPERATIONS */ .xb.join(', ')}`);
    }
    const args = lines(input('args'));
    const values = commandValues(command, input, context.env, args);
    const configArg = args.find((a) => CONFIG_OPTIONS.test(a));
    if (configArg) {
        fail((w) => w.edge === 'action'
            ? `Input ${(0,_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .rekkordArguments */ .xz)(w)} must not choose the config or its hooks ('${configArg}'): use the 'config' input; the action passes --no_hooks itself`
            : `${(0,_kernel_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .capitalized */ .l2)((0,_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .rekkordArguments */ .xz)(w))} must not choose the config or its hooks ('${configArg}'): use ${w.setting('config')}; rekkord-hooks passes --no_hooks itself`);
    }
    const enabled = batteries(input('batteries'), () => context.batteriesDir !== undefined
        ? context.batteriesDir
        : (0,_batteries_js__WEBPACK_IMPORTED_MODULE_2__/* .findBatteriesFolder */ .$O)(import.meta.url));
    return Object.freeze({
        command,
        config: path('config'),
        ...values,
        paths: Object.freeze([...values.paths]),
        hooksDir: path('hooks-dir'),
        batteries: Object.freeze(enabled.batteries),
        batteriesDir: enabled.dir,
        rekkord: path('rekkord') ?? 'rekkord',
        args: Object.freeze(args),
        hookTimeoutMs: hookTimeoutMs(get('hook-timeout') || '0'),
        lockWaitSeconds: lockWaitSeconds(get('lock-wait') || String(DEFAULT_LOCK_WAIT_S)),
        allowWorkflowCommands: boolean('allow-workflow-commands', get('allow-workflow-commands')),
        skipIdentify: !boolean('identify', get('identify') || 'true'),
        workspace: context.workspace,
        tempDir: context.tempDir,
        env: context.env,
    });
}


/***/ }),

/***/ 935:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   L: () => (/* binding */ resolveExecutable),
/* harmony export */   k: () => (/* binding */ expandHome)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(24);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_os__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_3__);
/** Path helpers shared by the plan, the Rekkord step and validate. */




/** `~` and `~/…` as a shell expands them, with `HOME` from the given environment. */
function expandHome(value, env) {
    if (value === '~' || value.startsWith('~/'))
        return node_path__WEBPACK_IMPORTED_MODULE_3___default().join(env.HOME || node_os__WEBPACK_IMPORTED_MODULE_2___default().homedir(), value.slice(1));
    return value;
}
async function isExecutableFile(file) {
    try {
        if (!(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.stat)(file)).isFile())
            return false;
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.access)(file, node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.X_OK);
        return true;
    }
    catch {
        return false;
    }
}
/** Resolves a command name as a shell would: a path as is, a bare name through PATH. */
async function resolveExecutable(name, pathVar, cwd) {
    if (name.includes('/')) {
        const file = node_path__WEBPACK_IMPORTED_MODULE_3___default().resolve(cwd, name);
        return (await isExecutableFile(file)) ? file : null;
    }
    for (const dir of pathVar.split((node_path__WEBPACK_IMPORTED_MODULE_3___default().delimiter))) {
        if (dir === '')
            continue;
        const file = node_path__WEBPACK_IMPORTED_MODULE_3___default().resolve(cwd, dir, name);
        if (await isExecutableFile(file))
            return file;
    }
    return null;
}


/***/ }),

/***/ 70:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   B: () => (/* binding */ KNOWN_KEYS),
/* harmony export */   GR: () => (/* binding */ SECRET_KEYS),
/* harmony export */   Jq: () => (/* binding */ IniError),
/* harmony export */   eE: () => (/* binding */ knownKeys),
/* harmony export */   i2: () => (/* binding */ parseRekkordIni),
/* harmony export */   sh: () => (/* binding */ isPlainName),
/* harmony export */   vi: () => (/* binding */ lastEntry)
/* harmony export */ });
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(593);
/**
 * Rekkord's INI dialect, read the way Rekkord reads it (`src/core/base/base.cc`, `IniParser`;
 * sections and keys from `src/rekkord/lib/config.cc`, `rk_Config::LoadIni`): comments only at
 * line start, no inline comments, no quote removal, section names trimmed, case-sensitive names,
 * and a line Rekkord cannot read is an error here too.
 *
 * Sections and keys move between Rekkord versions in both directions (`[S3] PathMode` left, new
 * storage and retention keys came), so outside `[Hooks]` an unknown one is only recorded: the
 * installed Rekkord judges it (`identify` reads the config before any hook), and validate warns.
 * `[Hooks]` is the action's to read: a key it does not know there is an error.
 *
 * An error names the file, the line and at most the key: never the value or the line's text, which
 * may be a secret (a key pasted into `[SSH] Key`, a `SecretKey:` typo).
 */

class IniError extends Error {
    file;
    line;
    reason;
    constructor(file, line, reason) {
        super(`${file}:${line}: ${reason}`);
        this.name = 'IniError';
        this.file = file;
        this.line = line;
        this.reason = reason;
    }
}
/** `[SSH]` and `[SFTP]` take the same keys. */
const REMOTE_SHELL_KEYS = [
    'Location',
    'Host',
    'Port',
    'User',
    'Path',
    'KnownHosts',
    'Fingerprint',
    'Password',
    'Key',
    'KeyFile',
];
/**
 * Sections and keys the newest Rekkord source known accepts (older builds differ: [Connect],
 * `[S3] PathMode`, `AccessID`); Rekkord refuses a file with any other.
 */
const KNOWN_KEYS = {
    Repository: ['URL', 'KeyFile'],
    Settings: ['Threads', 'CompressionLevel'],
    Protection: ['TestWrites', 'RetainDuration', 'DurationSafety'],
    // Called [Connect] by older builds; the newest source knows only [Link].
    Link: ['URL', 'ApiKey', 'CheckPeriod'],
    S3: [
        'Endpoint',
        'Location',
        'Host',
        'Port',
        'Region',
        'Bucket',
        'Prefix',
        'AccessKeyID',
        'KeyID',
        'SecretKey',
        'LockMode',
        'ChecksumType',
    ],
    SSH: REMOTE_SHELL_KEYS,
    SFTP: REMOTE_SHELL_KEYS,
    // The hook keys of the command table, pre then post of each command that has them.
    Hooks: _commands_js__WEBPACK_IMPORTED_MODULE_0__/* .COMMANDS */ .Lo.flatMap((c) => {
        const keys = (0,_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .commandSpec */ .Lx)(c).hookKeys;
        return keys ? [keys.pre, keys.post] : [];
    }),
};
/** The keys a table gives a section: its own entry only, never one inherited from Object. */
function knownKeys(table, section) {
    return Object.hasOwn(table, section) ? (table[section] ?? []) : [];
}
/** Keys whose values are secrets, by section. */
const SECRET_KEYS = {
    // The key ID names the account: masked too, so that a log never pairs it with anything.
    S3: ['SecretKey', 'KeyID', 'AccessKeyID'],
    SSH: ['Password', 'Key'],
    SFTP: ['Password', 'Key'],
    Link: ['ApiKey'],
};
// Rekkord trims ASCII white space only: a byte-order mark or a no-break space stays in the line.
function trimAscii(s) {
    return s.replace(/^[ \t\r\n\v\f]+|[ \t\r\n\v\f]+$/g, '');
}
/**
 * A section or key name for an error message, only when Rekkord knows it up to case (a typo worth
 * pointing at) or knew it (`[Connect]`, `[Agent]`). Any other "name" is text of the line, which may
 * be a pasted secret (`SecretKey: Zm9v…=` reads as the key `SecretKey: Zm9v…`): not repeated.
 */
/** A name of letters, digits and `_`: safe to repeat in a message, unlike `SecretKey: Zm9v…`. */
function isPlainName(name) {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}
function knownName(name, known, shown) {
    return known.some((k) => k.toLowerCase() === name.toLowerCase()) ? ` ${shown(name)}` : '';
}
function parseRekkordIni(text, file) {
    const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (lines.length > 0 && lines[lines.length - 1] === '')
        lines.pop();
    const entries = [];
    const unknown = [];
    const sectionOfLine = [];
    let section = null;
    lines.forEach((raw, index) => {
        const lineNo = index + 1;
        const line = trimAscii(raw);
        const fail = (reason) => {
            throw new IniError(file, lineNo, reason);
        };
        if (line === '' || line.startsWith(';') || line.startsWith('#')) {
            sectionOfLine.push(section);
            return;
        }
        if (line.startsWith('[')) {
            if (!line.endsWith(']'))
                fail("a line starting with '[' does not end with ']'");
            const name = trimAscii(line.slice(1, -1));
            if (name === '')
                fail('empty section name "[]"');
            // Own keys only: `[constructor]` or `[__proto__]` is an unknown section, not Object's.
            if (!Object.hasOwn(KNOWN_KEYS, name)) {
                // A [hooks] is a [Hooks] mistyped: its folders would silently not run.
                if (name.toLowerCase() === 'hooks') {
                    fail(`unknown section [${name}] (names are case-sensitive: [Hooks])`);
                }
                unknown.push({ line: lineNo, section: name, key: null, known: Object.keys(KNOWN_KEYS) });
            }
            section = name;
            sectionOfLine.push(section);
            return;
        }
        const eq = line.indexOf('=');
        if (eq < 0) {
            const bom = line.startsWith('\uFEFF')
                ? ' (the file starts with a byte-order mark, which Rekkord does not skip)'
                : '';
            fail(`expected "key = value", a [Section] or a comment${bom}`);
        }
        const key = trimAscii(line.slice(0, eq));
        const value = trimAscii(line.slice(eq + 1));
        if (key === '')
            fail("missing key name before '='");
        if (section === null) {
            fail(`key${knownName(key, Object.values(KNOWN_KEYS).flat(), JSON.stringify)} comes before any [Section]`);
        }
        const known = Object.hasOwn(KNOWN_KEYS, section) ? knownKeys(KNOWN_KEYS, section) : null;
        if (known && !known.includes(key)) {
            // [Hooks] is read by the action itself: a folder it does not know could not run as Rekkord would.
            if (section === 'Hooks') {
                fail(`unknown key${knownName(key, known, JSON.stringify)} in [Hooks] (the action knows ${known.join(', ')}; names are case-sensitive)`);
            }
            unknown.push({ line: lineNo, section, key, known });
        }
        entries.push({ section, key, value, line: lineNo });
        sectionOfLine.push(section);
    });
    return { entries, lines, sectionOfLine, unknown };
}
/** The value Rekkord uses for a key: the last occurrence wins. */
function lastEntry(doc, section, key) {
    let found;
    for (const e of doc.entries)
        if (e.section === section && e.key === key)
            found = e;
    return found;
}


/***/ }),

/***/ 898:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   V: () => (/* binding */ OID)
/* harmony export */ });
/** The plan's vocabulary: stages, phases and the entries of a hook folder. */
/** A snapshot OID: `M` (metadata) or `R` (raw) and a 64-digit BLAKE3 hash, upper case. */
const OID = '[MR][0-9A-F]{64}';


/***/ }),

/***/ 113:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   s: () => (/* binding */ executeFile)
/* harmony export */ });
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(421);
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_child_process__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _kernel_faults_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(352);
/** Short commands run to completion with Node's child_process: the command line's `Execute`. */


const executeFile = (file, args, env, cwd) => new Promise((resolve, reject) => {
    (0,_kernel_faults_js__WEBPACK_IMPORTED_MODULE_1__/* .checkpoint */ .Fn)('probe');
    (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.execFile)(file, [...args], { env, cwd, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        const code = error?.code;
        // A string code (ENOENT, EACCES) means it did not start; a number is its exit code.
        if (error && typeof code === 'string')
            reject(new Error(error.message));
        else
            resolve({ exitCode: typeof code === 'number' ? code : error ? 1 : 0, stdout, stderr });
    });
});


/***/ }),

/***/ 521:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  Rl: () => (/* binding */ jsonAbort),
  Ao: () => (/* binding */ jsonResult),
  s$: () => (/* binding */ jsonText)
});

// UNUSED EXPORTS: JSON_SCHEMA

;// CONCATENATED MODULE: ./src/report/outputs.ts
/** The `hooks` output's objects, one per hook run. */
function hookOutputs(phases) {
    return phases.flatMap((p) => p.hooks.map((h) => ({
        phase: p.label ?? h.phase,
        name: h.name,
        path: h.path,
        exitCode: h.exitCode,
        signal: h.signal,
        durationMs: Math.round(h.durationMs),
        outcome: h.outcome,
        message: h.message,
    })));
}
/**
 * The runner refuses a step output over 1 MiB, and a repository decides how many hooks there are:
 * the `hooks` output is cut to this budget, plus the one small object that closes a cut list.
 */
const HOOKS_OUTPUT_BUDGET = (/* unused pure expression or super */ null && (512 * 1024));
/**
 * The `hooks` output: whole objects, as many as fit the budget, so that it stays valid JSON; when
 * some do not fit, a last object says how many, in place of a silent cut.
 */
function hooksOutput(hooks, budget = HOOKS_OUTPUT_BUDGET) {
    const kept = [];
    let size = 2;
    for (const hook of hooks) {
        size += Buffer.byteLength(JSON.stringify(hook)) + 1;
        if (size > budget)
            break;
        kept.push(hook);
    }
    const omitted = hooks.length - kept.length;
    if (omitted > 0) {
        const message = `… ${omitted} more hooks not listed: the output has a size limit`;
        kept.push({ omitted, message });
    }
    return JSON.stringify(kept);
}
function stepOutputs(result) {
    return {
        success: String(result.success),
        oid: result.oid ?? '',
        hooks: hooksOutput(hookOutputs(result.phases)),
        'failed-hooks': String(result.failures.hooks.length),
    };
}
/** The outputs of a step that ended before any hook ran. */
const ABORT_OUTPUTS = {
    success: 'false',
    oid: '',
    hooks: '[]',
    'failed-hooks': '0',
};

;// CONCATENATED MODULE: ./src/report/json.ts

const JSON_SCHEMA = 1;
/** A session's or a validation's result as JSON. */
function jsonResult(result, verdict, command) {
    if ('validation' in result) {
        return {
            schema: JSON_SCHEMA,
            command,
            ...verdict,
            success: result.success,
            rekkordDone: false,
            oid: null,
            cancelled: null,
            lockWaitMs: 0,
            hooks: hookOutputs(result.rehearsal ?? []),
            step: null,
            findings: result.validation.findings.map((f) => ({
                severity: f.severity,
                file: f.file,
                line: f.line ?? null,
                message: f.message,
            })),
            errors: [],
        };
    }
    const { step } = result;
    return {
        schema: JSON_SCHEMA,
        command,
        ...verdict,
        success: result.success,
        rekkordDone: result.rekkordDone,
        oid: result.oid,
        cancelled: result.cancelled,
        lockWaitMs: Math.round(result.lockWaitMs ?? 0),
        hooks: hookOutputs(result.phases),
        step: {
            command: step.command,
            commandLine: step.display,
            outcome: step.outcome,
            exitCode: step.exitCode,
            signal: step.signal,
            durationMs: Math.round(step.durationMs),
            oid: step.oid,
        },
        findings: [],
        errors: [...result.errors],
    };
}
/** The result of a run that stopped before any hook ran. */
function jsonAbort(command, verdict, error) {
    return {
        schema: JSON_SCHEMA,
        command,
        ...verdict,
        success: false,
        rekkordDone: false,
        oid: null,
        cancelled: null,
        lockWaitMs: 0,
        hooks: [],
        step: null,
        findings: [],
        errors: [error],
    };
}
/** The JSON text with every secret replaced, as the log would mask it. */
function jsonText(result, secrets) {
    let text = JSON.stringify(result, null, 2);
    for (const secret of secrets.filter((s) => s.length > 0)) {
        const quoted = JSON.stringify(secret).slice(1, -1);
        text = text.split(quoted).join('***');
    }
    return text;
}


/***/ }),

/***/ 10:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   BB: () => (/* binding */ dotfileFinding),
/* harmony export */   Ft: () => (/* binding */ folderWritableFindings),
/* harmony export */   Hv: () => (/* binding */ nameShellFinding),
/* harmony export */   Lc: () => (/* binding */ worstSeverity),
/* harmony export */   _S: () => (/* binding */ startFindings),
/* harmony export */   af: () => (/* binding */ folderShellFinding),
/* harmony export */   my: () => (/* binding */ hookWritableFindings),
/* harmony export */   x: () => (/* binding */ real)
/* harmony export */ });
/* unused harmony export shellUnsafe */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _kernel_files_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(762);
/* harmony import */ var _kernel_text_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(426);
/* harmony import */ var _plan_paths_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(935);
/**
 * What validate checks on one hook or hook folder, without running it: how it would start, whether
 * Rekkord's own runner can start it the same way, and who else could change it.
 */





/** The worst severity among findings: what a hook's mark shows; null when there are none. */
function worstSeverity(findings) {
    if (findings.some((f) => f.severity === 'error'))
        return 'error';
    return findings.length ? 'warning' : null;
}
const HEAD_BYTES = 512;
/** What is wrong with how a file would start: unreadable, a bad `#!` line, ... */
async function startFindings(file, pathVar) {
    const error = (title, message, line) => ({
        severity: 'error',
        title,
        message,
        file,
        ...(line ? { line } : {}),
    });
    const head = await (0,_kernel_files_js__WEBPACK_IMPORTED_MODULE_2__/* .readHead */ .z)(file, HEAD_BYTES);
    if (head === null)
        return [error('Hook not readable', `${file} cannot be read`)];
    if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])))
        return [];
    const text = head.toString('utf8');
    if (!text.startsWith('#!')) {
        return [
            {
                severity: 'warning',
                title: 'No #! line',
                message: `${node_path__WEBPACK_IMPORTED_MODULE_1___default().basename(file)} has no #! line, so it runs with /bin/sh; start it with #!/bin/sh (or its real interpreter) to say so`,
                file,
                line: 1,
            },
        ];
    }
    const newline = text.indexOf('\n');
    const first = newline >= 0 ? text.slice(2, newline) : text.slice(2);
    if (first.endsWith('\r')) {
        return [
            error('CRLF line ending in the #! line', 'The #! line ends with a carriage return (CRLF line endings), so the kernel looks for an interpreter whose name ends in \\r: convert the file to LF line endings', 1),
        ];
    }
    const [interpreter = '', ...words] = first.trim().split(/\s+/);
    if (!interpreter.startsWith('/')) {
        return [error('Bad #! line', `The #! interpreter "${interpreter}" is not an absolute path`, 1)];
    }
    if (!(await (0,_plan_paths_js__WEBPACK_IMPORTED_MODULE_3__/* .resolveExecutable */ .L)(interpreter, '', '/'))) {
        return [
            error('Interpreter not found', `The #! interpreter ${interpreter} does not exist or is not executable`, 1),
        ];
    }
    if (node_path__WEBPACK_IMPORTED_MODULE_1___default().basename(interpreter) === 'env') {
        const command = words.find((w) => !w.startsWith('-') && !w.includes('='));
        if (command && !(await (0,_plan_paths_js__WEBPACK_IMPORTED_MODULE_3__/* .resolveExecutable */ .L)(command, pathVar, '/'))) {
            return [
                error('Interpreter not found', `The #! line runs "${command}" through env, and there is no ${command} in PATH`, 1),
            ];
        }
    }
    return [];
}
/**
 * Characters a POSIX shell reads as one plain word. Rekkord starts each hook as `/bin/sh -c` with
 * the hook's full path, unquoted (Koromix/rygel, src/rekkord/cli/snapshot.cc, the hook runner:
 * the command line is the path, run by ExecuteCommandLine). Anything else (a space, `$`, `;`, a
 * quote, a glob character, ...) is split, expanded or run by that shell. `~` and `=` are plain
 * here: the path starts with `/`, and only a word's start can expand or assign. Bytes above ASCII
 * are plain to sh.
 */
const SHELL_SPECIAL = /[^A-Za-z0-9_./+,:@%=~\u0080-\u{10FFFF}-]/gu;
function shellUnsafe(text) {
    return [...new Set(text.match(SHELL_SPECIAL) ?? [])];
}
function showChars(chars) {
    return chars.map((c) => (c === ' ' ? 'space' : JSON.stringify(c))).join(', ');
}
/** A Rekkord hook folder whose path the shell would not read as written. */
function folderShellFinding(dir, title, file, line) {
    const chars = shellUnsafe(dir);
    if (!chars.length)
        return [];
    return [
        {
            severity: 'error',
            title: `${title}: shell characters in the hook folder`,
            message: `The hook folder ${dir} has characters the shell reads (${showChars(chars)}): Rekkord runs each hook as /bin/sh -c with its path unquoted, so under Rekkord (on a cron job, say) no hook of this folder starts, though the action runs them; rename the folder`,
            file,
            ...(line ? { line } : {}),
        },
    ];
}
/** A Rekkord hook whose name the shell would not read as written. */
function nameShellFinding(name, file, title) {
    const chars = shellUnsafe(name);
    if (!chars.length)
        return [];
    return [
        {
            severity: 'error',
            title: `${title}: shell characters in the name`,
            message: `${name} has characters the shell reads (${showChars(chars)}): Rekkord runs each hook as /bin/sh -c with its path unquoted, so under Rekkord (on a cron job, say) it fails or runs something else, though the action runs it; rename it`,
            file,
            line: 1,
        },
    ];
}
/**
 * A dotfile in a Rekkord hook folder: Rekkord lists every entry but `.` and `..` (Koromix/rygel,
 * src/core/base/base.cc, EnumerateDirectory) and runs each one that is not a folder as a hook.
 */
function dotfileFinding(name, file, title, runnable) {
    return {
        severity: runnable ? 'warning' : 'error',
        title: `${title}: a dotfile is a hook for Rekkord`,
        message: runnable
            ? `${name} starts with a dot, but Rekkord runs every entry of a hook folder but . and .., so it runs ${name} as a hook; rename it if it is one, or move it out of the folder`
            : `Rekkord runs every entry of a hook folder but . and .., dotfiles too: ${name} would be run as a hook and fail to start, so Rekkord's own save would fail; move it out of the folder`,
        file,
        line: 1,
    };
}
function modeText(mode) {
    return (mode & 0o7777).toString(8).padStart(4, '0');
}
/** The real path, or the path as given when it cannot be resolved (reported elsewhere). */
async function real(file) {
    return (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.realpath)(file).catch(() => node_path__WEBPACK_IMPORTED_MODULE_1___default().resolve(file));
}
/**
 * Whoever besides the backup's user and root may write a hook, its folder or a folder above it
 * could put other code in the hook's place, which then runs with the backup's rights: that is what
 * this check guards. World-writable is an error, group-writable a warning, judged on the real path
 * (links followed) and never on the working directory. Two cases are no such opening:
 * - a sticky folder above the hook folder (/tmp, mode 1777): others may create entries in it, but
 *   not rename or delete those they do not own, so they cannot replace ours (in the hook folder
 *   itself a new entry is a new hook, so there the sticky bit is no pass);
 * - a folder or file owned by root whose group is root: only root may write it, and root can
 *   change anything anyway.
 */
async function writable(file, label, title, 
/** A folder above the hook's own, where the sticky bit protects what is ours. */
above) {
    let info;
    try {
        info = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.stat)(file);
    }
    catch {
        return null; // Reported elsewhere (missing, unreadable).
    }
    const { mode } = info;
    if (above && (mode & 0o1000) !== 0)
        return null;
    const world = (mode & 0o002) !== 0;
    if (!world && ((mode & 0o020) === 0 || (info.uid === 0 && info.gid === 0)))
        return null;
    return {
        severity: world ? 'error' : 'warning',
        title: `${title}: ${label} is ${world ? 'world' : 'group'}-writable`,
        message: `${file} (mode ${modeText(mode)}) can be changed by ${world ? 'any user' : 'its group'}, who could then change what runs with the backup's rights: ${(0,_kernel_text_js__WEBPACK_IMPORTED_MODULE_4__/* .commandLine */ .ay)(['chmod', world ? 'o-w' : 'g-w', '--', file])}`,
        file,
        line: 1,
    };
}
/** `realFile`: the hook's real path (see `real`). */
async function hookWritableFindings(realFile, title) {
    const finding = await writable(realFile, 'the hook', title, false);
    return finding ? [finding] : [];
}
/**
 * The hook folder and every folder above it up to `/`: those above the folder as the config names
 * it (a link in a folder others may write can be pointed elsewhere) and those above its real path,
 * each judged by its real path, once per run (`checked`). Any of them writable by others lets them
 * replace the hook. `repository` (real path) only names its folder in the titles. Findings point
 * at `where` (the config line naming the folder), else at the folder.
 */
async function folderWritableFindings(folder, repository, title, checked, where) {
    const start = folder.real;
    const chain = [start];
    for (let d = node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(start); d !== chain.at(-1); d = node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(d))
        chain.push(d);
    const named = node_path__WEBPACK_IMPORTED_MODULE_1___default().resolve(folder.dir);
    for (let d = node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(named), up = named; d !== up; up = d, d = node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(d)) {
        const r = await real(d);
        if (!chain.includes(r))
            chain.push(r);
    }
    const findings = [];
    for (const d of chain) {
        // The hook folder itself never gets the sticky pass: whoever may create an entry there adds a hook.
        const above = d !== start;
        const seen = checked.get(d);
        if (seen === true || (seen === false && above))
            continue;
        checked.set(d, !above);
        const label = d === start
            ? 'the hook folder'
            : d === repository
                ? 'the repository folder'
                : `the folder ${d}`;
        const finding = await writable(d, label, title, above);
        if (finding)
            findings.push(where ? { ...finding, ...where } : finding);
    }
    return findings;
}


/***/ }),

/***/ 421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 24:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 330:
/***/ ((module) => {

module.exports = {"rE":"1.0.0"};

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(486);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 

//# sourceMappingURL=index.js.map