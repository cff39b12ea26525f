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

/***/ 91:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _post_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(99);
/** Entry point of the post step's bundle (`dist/post/index.js`, `runs.post`). */

await (0,_post_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .e)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 99:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  e: () => (/* binding */ run)
});

;// CONCATENATED MODULE: external "os"
const external_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/utils.js
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Sanitizes an input into a string so it can be passed into issueCommand safely
 * @param input input to sanitize into a string
 */
function utils_toCommandValue(input) {
    if (input === null || input === undefined) {
        return '';
    }
    else if (typeof input === 'string' || input instanceof String) {
        return input;
    }
    return JSON.stringify(input);
}
/**
 *
 * @param annotationProperties
 * @returns The command properties to send with the actual annotation command
 * See IssueCommandProperties: https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs#L646
 */
function toCommandProperties(annotationProperties) {
    if (!Object.keys(annotationProperties).length) {
        return {};
    }
    return {
        title: annotationProperties.title,
        file: annotationProperties.file,
        line: annotationProperties.startLine,
        endLine: annotationProperties.endLine,
        col: annotationProperties.startColumn,
        endColumn: annotationProperties.endColumn
    };
}
//# sourceMappingURL=utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/command.js


/**
 * Issues a command to the GitHub Actions runner
 *
 * @param command - The command name to issue
 * @param properties - Additional properties for the command (key-value pairs)
 * @param message - The message to include with the command
 * @remarks
 * This function outputs a specially formatted string to stdout that the Actions
 * runner interprets as a command. These commands can control workflow behavior,
 * set outputs, create annotations, mask values, and more.
 *
 * Command Format:
 *   ::name key=value,key=value::message
 *
 * @example
 * ```typescript
 * // Issue a warning annotation
 * issueCommand('warning', {}, 'This is a warning message');
 * // Output: ::warning::This is a warning message
 *
 * // Set an environment variable
 * issueCommand('set-env', { name: 'MY_VAR' }, 'some value');
 * // Output: ::set-env name=MY_VAR::some value
 *
 * // Add a secret mask
 * issueCommand('add-mask', {}, 'secretValue123');
 * // Output: ::add-mask::secretValue123
 * ```
 *
 * @internal
 * This is an internal utility function that powers the public API functions
 * such as setSecret, warning, error, and exportVariable.
 */
function command_issueCommand(command, properties, message) {
    const cmd = new Command(command, properties, message);
    process.stdout.write(cmd.toString() + external_os_namespaceObject.EOL);
}
function command_issue(name, message = '') {
    command_issueCommand(name, {}, message);
}
const CMD_STRING = '::';
class Command {
    constructor(command, properties, message) {
        if (!command) {
            command = 'missing.command';
        }
        this.command = command;
        this.properties = properties;
        this.message = message;
    }
    toString() {
        let cmdStr = CMD_STRING + this.command;
        if (this.properties && Object.keys(this.properties).length > 0) {
            cmdStr += ' ';
            let first = true;
            for (const key in this.properties) {
                if (this.properties.hasOwnProperty(key)) {
                    const val = this.properties[key];
                    if (val) {
                        if (first) {
                            first = false;
                        }
                        else {
                            cmdStr += ',';
                        }
                        cmdStr += `${key}=${escapeProperty(val)}`;
                    }
                }
            }
        }
        cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
        return cmdStr;
    }
}
function escapeData(s) {
    return utils_toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return utils_toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/:/g, '%3A')
        .replace(/,/g, '%2C');
}
//# sourceMappingURL=command.js.map
;// CONCATENATED MODULE: external "crypto"
const external_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");
;// CONCATENATED MODULE: external "fs"
const external_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/file-command.js
// For internal use, subject to change.
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */




function file_command_issueFileCommand(command, message) {
    const filePath = process.env[`GITHUB_${command}`];
    if (!filePath) {
        throw new Error(`Unable to find environment variable for file command ${command}`);
    }
    if (!external_fs_namespaceObject.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    external_fs_namespaceObject.appendFileSync(filePath, `${utils_toCommandValue(message)}${external_os_namespaceObject.EOL}`, {
        encoding: 'utf8'
    });
}
function file_command_prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${external_crypto_namespaceObject.randomUUID()}`;
    const convertedValue = utils_toCommandValue(value);
    // These should realistically never happen, but just in case someone finds a
    // way to exploit uuid generation let's not allow keys or values that contain
    // the delimiter.
    if (key.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (convertedValue.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    return `${key}<<${delimiter}${external_os_namespaceObject.EOL}${convertedValue}${external_os_namespaceObject.EOL}${delimiter}`;
}
//# sourceMappingURL=file-command.js.map
;// CONCATENATED MODULE: external "path"
const external_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");
;// CONCATENATED MODULE: ./node_modules/@actions/core/node_modules/@actions/http-client/lib/auth.js
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
class BasicCredentialHandler {
    constructor(username, password) {
        this.username = username;
        this.password = password;
    }
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return __awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
class auth_BearerCredentialHandler {
    constructor(token) {
        this.token = token;
    }
    // currently implements pre-authorization
    // TODO: support preAuth = false where it hooks on 401
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Bearer ${this.token}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return __awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
class PersonalAccessTokenCredentialHandler {
    constructor(token) {
        this.token = token;
    }
    // currently implements pre-authorization
    // TODO: support preAuth = false where it hooks on 401
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Basic ${Buffer.from(`PAT:${this.token}`).toString('base64')}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return __awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
//# sourceMappingURL=auth.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/oidc-utils.js
var oidc_utils_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



class oidc_utils_OidcClient {
    static createHttpClient(allowRetry = true, maxRetry = 10) {
        const requestOptions = {
            allowRetries: allowRetry,
            maxRetries: maxRetry
        };
        return new HttpClient('actions/oidc-client', [new BearerCredentialHandler(oidc_utils_OidcClient.getRequestToken())], requestOptions);
    }
    static getRequestToken() {
        const token = process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
        if (!token) {
            throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable');
        }
        return token;
    }
    static getIDTokenUrl() {
        const runtimeUrl = process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
        if (!runtimeUrl) {
            throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
        }
        return runtimeUrl;
    }
    static getCall(id_token_url) {
        return oidc_utils_awaiter(this, void 0, void 0, function* () {
            var _a;
            const httpclient = oidc_utils_OidcClient.createHttpClient();
            const res = yield httpclient
                .getJson(id_token_url)
                .catch(error => {
                throw new Error(`Failed to get ID Token. \n 
        Error Code : ${error.statusCode}\n 
        Error Message: ${error.message}`);
            });
            const id_token = (_a = res.result) === null || _a === void 0 ? void 0 : _a.value;
            if (!id_token) {
                throw new Error('Response json body do not have ID Token field');
            }
            return id_token;
        });
    }
    static getIDToken(audience) {
        return oidc_utils_awaiter(this, void 0, void 0, function* () {
            try {
                // New ID Token is requested from action service
                let id_token_url = oidc_utils_OidcClient.getIDTokenUrl();
                if (audience) {
                    const encodedAudience = encodeURIComponent(audience);
                    id_token_url = `${id_token_url}&audience=${encodedAudience}`;
                }
                debug(`ID token url is ${id_token_url}`);
                const id_token = yield oidc_utils_OidcClient.getCall(id_token_url);
                setSecret(id_token);
                return id_token;
            }
            catch (error) {
                throw new Error(`Error message: ${error.message}`);
            }
        });
    }
}
//# sourceMappingURL=oidc-utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/summary.js
var summary_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { access, appendFile, writeFile } = external_fs_namespaceObject.promises;
const SUMMARY_ENV_VAR = 'GITHUB_STEP_SUMMARY';
const SUMMARY_DOCS_URL = 'https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary';
class Summary {
    constructor() {
        this._buffer = '';
    }
    /**
     * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
     * Also checks r/w permissions.
     *
     * @returns step summary file path
     */
    filePath() {
        return summary_awaiter(this, void 0, void 0, function* () {
            if (this._filePath) {
                return this._filePath;
            }
            const pathFromEnv = process.env[SUMMARY_ENV_VAR];
            if (!pathFromEnv) {
                throw new Error(`Unable to find environment variable for $${SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
            }
            try {
                yield access(pathFromEnv, external_fs_namespaceObject.constants.R_OK | external_fs_namespaceObject.constants.W_OK);
            }
            catch (_a) {
                throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
            }
            this._filePath = pathFromEnv;
            return this._filePath;
        });
    }
    /**
     * Wraps content in an HTML tag, adding any HTML attributes
     *
     * @param {string} tag HTML tag to wrap
     * @param {string | null} content content within the tag
     * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
     *
     * @returns {string} content wrapped in HTML element
     */
    wrap(tag, content, attrs = {}) {
        const htmlAttrs = Object.entries(attrs)
            .map(([key, value]) => ` ${key}="${value}"`)
            .join('');
        if (!content) {
            return `<${tag}${htmlAttrs}>`;
        }
        return `<${tag}${htmlAttrs}>${content}</${tag}>`;
    }
    /**
     * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
     *
     * @param {SummaryWriteOptions} [options] (optional) options for write operation
     *
     * @returns {Promise<Summary>} summary instance
     */
    write(options) {
        return summary_awaiter(this, void 0, void 0, function* () {
            const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
            const filePath = yield this.filePath();
            const writeFunc = overwrite ? writeFile : appendFile;
            yield writeFunc(filePath, this._buffer, { encoding: 'utf8' });
            return this.emptyBuffer();
        });
    }
    /**
     * Clears the summary buffer and wipes the summary file
     *
     * @returns {Summary} summary instance
     */
    clear() {
        return summary_awaiter(this, void 0, void 0, function* () {
            return this.emptyBuffer().write({ overwrite: true });
        });
    }
    /**
     * Returns the current summary buffer as a string
     *
     * @returns {string} string of summary buffer
     */
    stringify() {
        return this._buffer;
    }
    /**
     * If the summary buffer is empty
     *
     * @returns {boolen} true if the buffer is empty
     */
    isEmptyBuffer() {
        return this._buffer.length === 0;
    }
    /**
     * Resets the summary buffer without writing to summary file
     *
     * @returns {Summary} summary instance
     */
    emptyBuffer() {
        this._buffer = '';
        return this;
    }
    /**
     * Adds raw text to the summary buffer
     *
     * @param {string} text content to add
     * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
     *
     * @returns {Summary} summary instance
     */
    addRaw(text, addEOL = false) {
        this._buffer += text;
        return addEOL ? this.addEOL() : this;
    }
    /**
     * Adds the operating system-specific end-of-line marker to the buffer
     *
     * @returns {Summary} summary instance
     */
    addEOL() {
        return this.addRaw(external_os_namespaceObject.EOL);
    }
    /**
     * Adds an HTML codeblock to the summary buffer
     *
     * @param {string} code content to render within fenced code block
     * @param {string} lang (optional) language to syntax highlight code
     *
     * @returns {Summary} summary instance
     */
    addCodeBlock(code, lang) {
        const attrs = Object.assign({}, (lang && { lang }));
        const element = this.wrap('pre', this.wrap('code', code), attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML list to the summary buffer
     *
     * @param {string[]} items list of items to render
     * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
     *
     * @returns {Summary} summary instance
     */
    addList(items, ordered = false) {
        const tag = ordered ? 'ol' : 'ul';
        const listItems = items.map(item => this.wrap('li', item)).join('');
        const element = this.wrap(tag, listItems);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML table to the summary buffer
     *
     * @param {SummaryTableCell[]} rows table rows
     *
     * @returns {Summary} summary instance
     */
    addTable(rows) {
        const tableBody = rows
            .map(row => {
            const cells = row
                .map(cell => {
                if (typeof cell === 'string') {
                    return this.wrap('td', cell);
                }
                const { header, data, colspan, rowspan } = cell;
                const tag = header ? 'th' : 'td';
                const attrs = Object.assign(Object.assign({}, (colspan && { colspan })), (rowspan && { rowspan }));
                return this.wrap(tag, data, attrs);
            })
                .join('');
            return this.wrap('tr', cells);
        })
            .join('');
        const element = this.wrap('table', tableBody);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds a collapsable HTML details element to the summary buffer
     *
     * @param {string} label text for the closed state
     * @param {string} content collapsable content
     *
     * @returns {Summary} summary instance
     */
    addDetails(label, content) {
        const element = this.wrap('details', this.wrap('summary', label) + content);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML image tag to the summary buffer
     *
     * @param {string} src path to the image you to embed
     * @param {string} alt text description of the image
     * @param {SummaryImageOptions} options (optional) addition image attributes
     *
     * @returns {Summary} summary instance
     */
    addImage(src, alt, options) {
        const { width, height } = options || {};
        const attrs = Object.assign(Object.assign({}, (width && { width })), (height && { height }));
        const element = this.wrap('img', null, Object.assign({ src, alt }, attrs));
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML section heading element
     *
     * @param {string} text heading text
     * @param {number | string} [level=1] (optional) the heading level, default: 1
     *
     * @returns {Summary} summary instance
     */
    addHeading(text, level) {
        const tag = `h${level}`;
        const allowedTag = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].includes(tag)
            ? tag
            : 'h1';
        const element = this.wrap(allowedTag, text);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML thematic break (<hr>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addSeparator() {
        const element = this.wrap('hr', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML line break (<br>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addBreak() {
        const element = this.wrap('br', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML blockquote to the summary buffer
     *
     * @param {string} text quote text
     * @param {string} cite (optional) citation url
     *
     * @returns {Summary} summary instance
     */
    addQuote(text, cite) {
        const attrs = Object.assign({}, (cite && { cite }));
        const element = this.wrap('blockquote', text, attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML anchor tag to the summary buffer
     *
     * @param {string} text link text/content
     * @param {string} href hyperlink
     *
     * @returns {Summary} summary instance
     */
    addLink(text, href) {
        const element = this.wrap('a', text, { href });
        return this.addRaw(element).addEOL();
    }
}
const _summary = new Summary();
/**
 * @deprecated use `core.summary`
 */
const markdownSummary = (/* unused pure expression or super */ null && (_summary));
const summary = _summary;
//# sourceMappingURL=summary.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/path-utils.js

/**
 * toPosixPath converts the given path to the posix form. On Windows, \\ will be
 * replaced with /.
 *
 * @param pth. Path to transform.
 * @return string Posix path.
 */
function toPosixPath(pth) {
    return pth.replace(/[\\]/g, '/');
}
/**
 * toWin32Path converts the given path to the win32 form. On Linux, / will be
 * replaced with \\.
 *
 * @param pth. Path to transform.
 * @return string Win32 path.
 */
function toWin32Path(pth) {
    return pth.replace(/[/]/g, '\\');
}
/**
 * toPlatformPath converts the given path to a platform-specific path. It does
 * this by replacing instances of / and \ with the platform-specific path
 * separator.
 *
 * @param pth The path to platformize.
 * @return string The platform-specific path.
 */
function toPlatformPath(pth) {
    return pth.replace(/[/\\]/g, path.sep);
}
//# sourceMappingURL=path-utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/platform.js
var platform_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const getWindowsInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    const { stdout: version } = yield exec.getExecOutput('powershell -command "(Get-CimInstance -ClassName Win32_OperatingSystem).Version"', undefined, {
        silent: true
    });
    const { stdout: name } = yield exec.getExecOutput('powershell -command "(Get-CimInstance -ClassName Win32_OperatingSystem).Caption"', undefined, {
        silent: true
    });
    return {
        name: name.trim(),
        version: version.trim()
    };
});
const getMacOsInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    var _a, _b, _c, _d;
    const { stdout } = yield exec.getExecOutput('sw_vers', undefined, {
        silent: true
    });
    const version = (_b = (_a = stdout.match(/ProductVersion:\s*(.+)/)) === null || _a === void 0 ? void 0 : _a[1]) !== null && _b !== void 0 ? _b : '';
    const name = (_d = (_c = stdout.match(/ProductName:\s*(.+)/)) === null || _c === void 0 ? void 0 : _c[1]) !== null && _d !== void 0 ? _d : '';
    return {
        name,
        version
    };
});
const getLinuxInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    const { stdout } = yield exec.getExecOutput('lsb_release', ['-i', '-r', '-s'], {
        silent: true
    });
    const [name, version] = stdout.trim().split('\n');
    return {
        name,
        version
    };
});
const platform = external_os_namespaceObject.platform();
const arch = external_os_namespaceObject.arch();
const isWindows = platform === 'win32';
const isMacOS = platform === 'darwin';
const isLinux = platform === 'linux';
function getDetails() {
    return platform_awaiter(this, void 0, void 0, function* () {
        return Object.assign(Object.assign({}, (yield (isWindows
            ? getWindowsInfo()
            : isMacOS
                ? getMacOsInfo()
                : getLinuxInfo()))), { platform,
            arch,
            isWindows,
            isMacOS,
            isLinux });
    });
}
//# sourceMappingURL=platform.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/core.js
var core_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};






/**
 * The code to exit an action
 */
var ExitCode;
(function (ExitCode) {
    /**
     * A code indicating that the action was successful
     */
    ExitCode[ExitCode["Success"] = 0] = "Success";
    /**
     * A code indicating that the action was a failure
     */
    ExitCode[ExitCode["Failure"] = 1] = "Failure";
})(ExitCode || (ExitCode = {}));
//-----------------------------------------------------------------------
// Variables
//-----------------------------------------------------------------------
/**
 * Sets env variable for this action and future actions in the job
 * @param name the name of the variable to set
 * @param val the value of the variable. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function exportVariable(name, val) {
    const convertedVal = toCommandValue(val);
    process.env[name] = convertedVal;
    const filePath = process.env['GITHUB_ENV'] || '';
    if (filePath) {
        return issueFileCommand('ENV', prepareKeyValueMessage(name, val));
    }
    issueCommand('set-env', { name }, convertedVal);
}
/**
 * Registers a secret which will get masked from logs
 *
 * @param secret - Value of the secret to be masked
 * @remarks
 * This function instructs the Actions runner to mask the specified value in any
 * logs produced during the workflow run. Once registered, the secret value will
 * be replaced with asterisks (***) whenever it appears in console output, logs,
 * or error messages.
 *
 * This is useful for protecting sensitive information such as:
 * - API keys
 * - Access tokens
 * - Authentication credentials
 * - URL parameters containing signatures (SAS tokens)
 *
 * Note that masking only affects future logs; any previous appearances of the
 * secret in logs before calling this function will remain unmasked.
 *
 * @example
 * ```typescript
 * // Register an API token as a secret
 * const apiToken = "abc123xyz456";
 * setSecret(apiToken);
 *
 * // Now any logs containing this value will show *** instead
 * console.log(`Using token: ${apiToken}`); // Outputs: "Using token: ***"
 * ```
 */
function core_setSecret(secret) {
    command_issueCommand('add-mask', {}, secret);
}
/**
 * Prepends inputPath to the PATH (for this action and future actions)
 * @param inputPath
 */
function addPath(inputPath) {
    const filePath = process.env['GITHUB_PATH'] || '';
    if (filePath) {
        issueFileCommand('PATH', inputPath);
    }
    else {
        issueCommand('add-path', {}, inputPath);
    }
    process.env['PATH'] = `${inputPath}${path.delimiter}${process.env['PATH']}`;
}
/**
 * Gets the value of an input.
 * Unless trimWhitespace is set to false in InputOptions, the value is also trimmed.
 * Returns an empty string if the value is not defined.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string
 */
function getInput(name, options) {
    const val = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
    if (options && options.required && !val) {
        throw new Error(`Input required and not supplied: ${name}`);
    }
    if (options && options.trimWhitespace === false) {
        return val;
    }
    return val.trim();
}
/**
 * Gets the values of an multiline input.  Each value is also trimmed.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string[]
 *
 */
function getMultilineInput(name, options) {
    const inputs = getInput(name, options)
        .split('\n')
        .filter(x => x !== '');
    if (options && options.trimWhitespace === false) {
        return inputs;
    }
    return inputs.map(input => input.trim());
}
/**
 * Gets the input value of the boolean type in the YAML 1.2 "core schema" specification.
 * Support boolean input list: `true | True | TRUE | false | False | FALSE` .
 * The return value is also in boolean type.
 * ref: https://yaml.org/spec/1.2/spec.html#id2804923
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   boolean
 */
function getBooleanInput(name, options) {
    const trueValue = ['true', 'True', 'TRUE'];
    const falseValue = ['false', 'False', 'FALSE'];
    const val = getInput(name, options);
    if (trueValue.includes(val))
        return true;
    if (falseValue.includes(val))
        return false;
    throw new TypeError(`Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
        `Support boolean input list: \`true | True | TRUE | false | False | FALSE\``);
}
/**
 * Sets the value of an output.
 *
 * @param     name     name of the output to set
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setOutput(name, value) {
    const filePath = process.env['GITHUB_OUTPUT'] || '';
    if (filePath) {
        return file_command_issueFileCommand('OUTPUT', file_command_prepareKeyValueMessage(name, value));
    }
    process.stdout.write(external_os_namespaceObject.EOL);
    command_issueCommand('set-output', { name }, utils_toCommandValue(value));
}
/**
 * Enables or disables the echoing of commands into stdout for the rest of the step.
 * Echoing is disabled by default if ACTIONS_STEP_DEBUG is not set.
 *
 */
function setCommandEcho(enabled) {
    issue('echo', enabled ? 'on' : 'off');
}
//-----------------------------------------------------------------------
// Results
//-----------------------------------------------------------------------
/**
 * Sets the action status to failed.
 * When the action exits it will be with an exit code of 1
 * @param message add error issue message
 */
function setFailed(message) {
    process.exitCode = ExitCode.Failure;
    core_error(message);
}
//-----------------------------------------------------------------------
// Logging Commands
//-----------------------------------------------------------------------
/**
 * Gets whether Actions Step Debug is on or not
 */
function isDebug() {
    return process.env['RUNNER_DEBUG'] === '1';
}
/**
 * Writes debug message to user log
 * @param message debug message
 */
function core_debug(message) {
    command_issueCommand('debug', {}, message);
}
/**
 * Adds an error issue
 * @param message error issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function core_error(message, properties = {}) {
    command_issueCommand('error', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a warning issue
 * @param message warning issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function core_warning(message, properties = {}) {
    command_issueCommand('warning', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a notice issue
 * @param message notice issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function notice(message, properties = {}) {
    command_issueCommand('notice', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Writes info to log with console.log.
 * @param message info message
 */
function info(message) {
    process.stdout.write(message + external_os_namespaceObject.EOL);
}
/**
 * Begin an output group.
 *
 * Output until the next `groupEnd` will be foldable in this group
 *
 * @param name The name of the output group
 */
function startGroup(name) {
    command_issue('group', name);
}
/**
 * End an output group.
 */
function endGroup() {
    command_issue('endgroup');
}
/**
 * Wrap an asynchronous function call in a group.
 *
 * Returns the same type as the function itself.
 *
 * @param name The name of the group
 * @param fn The function to wrap in the group
 */
function group(name, fn) {
    return core_awaiter(this, void 0, void 0, function* () {
        startGroup(name);
        let result;
        try {
            result = yield fn();
        }
        finally {
            endGroup();
        }
        return result;
    });
}
//-----------------------------------------------------------------------
// Wrapper action state
//-----------------------------------------------------------------------
/**
 * Saves state for current action, the state can only be retrieved by this action's post job execution.
 *
 * @param     name     name of the state to store
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function saveState(name, value) {
    const filePath = process.env['GITHUB_STATE'] || '';
    if (filePath) {
        return file_command_issueFileCommand('STATE', file_command_prepareKeyValueMessage(name, value));
    }
    command_issueCommand('save-state', { name }, utils_toCommandValue(value));
}
/**
 * Gets the value of an state set by this action's main execution.
 *
 * @param     name     name of the state to get
 * @returns   string
 */
function getState(name) {
    return process.env[`STATE_${name}`] || '';
}
function getIDToken(aud) {
    return core_awaiter(this, void 0, void 0, function* () {
        return yield OidcClient.getIDToken(aud);
    });
}
/**
 * Summary exports
 */

/**
 * @deprecated use core.summary
 */

/**
 * Path exports
 */

/**
 * Platform utilities exports
 */

//# sourceMappingURL=core.js.map
;// CONCATENATED MODULE: ./src/kernel/cancel.ts
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

;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_namespaceObject);
;// CONCATENATED MODULE: ./src/kernel/errors.ts
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

;// CONCATENATED MODULE: ./src/plan/commands.ts
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
    const destination = external_node_path_default().resolve(values.workspace, values.destination ?? '');
    const info = await (0,promises_namespaceObject.stat)(destination).catch(() => null);
    if (!info)
        return;
    if (!info.isDirectory())
        throw new PreflightError(`Destination ${destination} exists and is not a folder`);
    const forced = values.args.some((a) => FORCE_OPTIONS.test(a));
    if (!forced && (await (0,promises_namespaceObject.readdir)(destination)).length > 0) {
        throw new PreflightError((w) => `Destination ${destination} is not empty: Rekkord would refuse to restore into it. Empty it, choose another folder, or add --force to ${rekkordArguments(w, '--force')}`);
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

;// CONCATENATED MODULE: ./src/kernel/faults.ts
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
    const names = await (0,promises_namespaceObject.readdir)(tempRoot).catch(() => []);
    const left = names.filter((n) => n.startsWith(COPY_PREFIX));
    await Promise.all(left.map((n) => (0,promises_namespaceObject.rm)(external_node_path_default().join(tempRoot, n), { recursive: true, force: true })));
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
    checkpoint('config-copy');
    const folder = await (0,promises_namespaceObject.mkdtemp)(external_node_path_default().join(tempRoot, COPY_PREFIX));
    const copy = external_node_path_default().join(folder, 'rekkord.ini');
    await (0,promises_namespaceObject.writeFile)(copy, text, { mode: 0o600, flag: 'wx' });
    return {
        path: copy,
        isCopy: true,
        cleanup: () => (0,promises_namespaceObject.rm)(folder, { recursive: true, force: true }),
    };
}

;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: ./src/kernel/files.ts
/** Reading files the way every layer needs it: only the first bytes, never the whole file. */

/** The first `bytes` bytes of a file (a `#!` line, an ELF magic), or null when it cannot be read. */
async function readHead(file, bytes) {
    try {
        const handle = await (0,promises_namespaceObject.open)(file, 'r');
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

;// CONCATENATED MODULE: ./src/plan/discovery.ts
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
    const head = await readHead(file, 2);
    return head?.toString('latin1') === '#!'
        ? `not executable (mode ${mode}); it has a #! line: chmod +x it to run it`
        : `not executable (mode ${mode})`;
}
/** Why a configured hook directory cannot be used, or null when it can. */
async function directoryProblem(dir) {
    try {
        const info = await (0,promises_namespaceObject.stat)(dir);
        if (!info.isDirectory())
            return `${dir} is not a directory`;
        await (0,promises_namespaceObject.access)(dir, external_node_fs_namespaceObject.constants.R_OK | external_node_fs_namespaceObject.constants.X_OK);
        return null;
    }
    catch (error) {
        return errnoSentence(dir, error, 'read');
    }
}
/**
 * Whether an entry is skipped (a directory) or run, and then why it cannot start, if so; with a
 * regular file's mode (`0644`), which a skipped non-executable file is described by.
 */
async function classify(file) {
    let info;
    try {
        info = await (0,promises_namespaceObject.stat)(file);
    }
    catch (error) {
        const code = error.code;
        const kind = code === 'ENOENT' || code === 'ELOOP' ? 'broken-link' : 'unreadable';
        return { problem: { kind, message: errnoSentence('it', error, 'examine') } };
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
        await (0,promises_namespaceObject.access)(file, external_node_fs_namespaceObject.constants.X_OK);
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
        : (await (0,promises_namespaceObject.readdir)(dir, { encoding: 'buffer' })).sort((a, b) => Buffer.compare(a, b));
    const hooks = [];
    const skipped = [];
    const examined = rules.limit === undefined ? names : names.slice(0, rules.limit);
    for (const raw of examined) {
        const name = raw.toString('utf8');
        const file = external_node_path_default().join(dir, name);
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
            !(await (0,promises_namespaceObject.lstat)(file).catch(() => null))) {
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

;// CONCATENATED MODULE: ./src/engine/outcome.ts
const outcome_OUTCOMES = {
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
    return outcome_OUTCOMES[outcome].failed;
}
/** The outcome as a table shows it: `❌ not started`. */
function outcomeLabel(outcome) {
    const info = outcome_OUTCOMES[outcome];
    return `${info.icon} ${info.word}`;
}
/**
 * What a result's exit looks like in a few words: the outcome when nothing ran, else the signal,
 * else the exit code (`not started`, `SIGKILL`, `exit code 3`).
 */
function exitStatus(r) {
    const byWord = ['not-started', 'timed-out', 'skipped', 'cancelled'];
    if (byWord.includes(r.outcome))
        return outcome_OUTCOMES[r.outcome].word;
    return r.signal ?? `exit code ${r.exitCode ?? '?'}`;
}
/** The `Exit` column: the signal's name, else the code, else nothing. */
function exitColumn(r) {
    return r.signal ?? (r.exitCode === null ? '' : String(r.exitCode));
}
/** A post hook the cancel grace cut short or never reached: the post step runs it. */
function outcome_leftForPostStep(hook) {
    return hook.outcome === 'cancelled' || hook.outcome === 'not-run';
}
/**
 * The post hooks a cancel left undone, in the order they run: the action's post step owes them,
 * the command line (which has no post step) reports them as not completed.
 */
function unfinishedPostHooks(phases) {
    return phases
        .filter((p) => p.phase.startsWith('post-'))
        .flatMap((p) => p.hooks.filter(outcome_leftForPostStep));
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

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
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
        return fieldsOf((0,external_node_fs_namespaceObject.readFileSync)(`/proc/${pid}/stat`, 'latin1'));
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
function process_group_processStartTime(pid) {
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
        pids = (await (0,promises_namespaceObject.readdir)('/proc')).filter((name) => /^\d+$/.test(name));
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
        command: await (0,promises_namespaceObject.readFile)(`/proc/${pid}/cmdline`, 'utf8')
            .then((text) => text.replace(/\0+$/, '').replace(/\0/g, ' '))
            .catch(() => ''),
    })));
    return members.sort((a, b) => (a.pid === pgid ? -1 : b.pid === pgid ? 1 : a.pid - b.pid));
}
/** Whether `/proc/<pid>/stat` shows a live (not zombie) member of `pgid`. */
async function liveMember(pid, pgid) {
    try {
        const [state, , group] = fieldsOf(await (0,promises_namespaceObject.readFile)(`/proc/${pid}/stat`, 'latin1'));
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
        const head = (await readHead(file, 256))?.toString('utf8') ?? null;
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
    return errnoSentence('it', error, 'start');
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
            child = (0,external_node_child_process_namespaceObject.spawn)(this.spec.file, this.spec.args, {
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
                this.stop(pgid, 'cancel', signal, CANCEL_KILL_GRACE_MS);
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
        ...notRunResult(phase, hook, `not started: ${describeError(error)}`),
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
    checkpoint('spawn', hook.name);
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
    return { ...base, ...classifyExit(exit, ctx), ...leftovers };
}

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
        dir = external_node_path_default().dirname((0,external_node_fs_namespaceObject.realpathSync)((0,external_node_url_namespaceObject.fileURLToPath)(moduleUrl)));
    }
    catch {
        return null;
    }
    for (let level = 0; level <= 3; level++) {
        const candidate = external_node_path_default().join(dir, 'batteries');
        if ((0,external_node_fs_namespaceObject.existsSync)(external_node_path_default().join(candidate, BATTERY_TABLE[0].name)))
            return candidate;
        dir = external_node_path_default().dirname(dir);
    }
    return null;
}

;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
var external_node_os_default = /*#__PURE__*/__nccwpck_require__.n(external_node_os_namespaceObject);
// EXTERNAL MODULE: ./node_modules/ini/lib/ini.js
var ini = __nccwpck_require__(756);
var ini_default = /*#__PURE__*/__nccwpck_require__.n(ini);
;// CONCATENATED MODULE: ./src/plan/rekkord-ini.ts
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
    Hooks: COMMANDS.flatMap((c) => {
        const keys = commandSpec(c).hookKeys;
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

;// CONCATENATED MODULE: ./src/plan/paths.ts
/** Path helpers shared by the plan, the Rekkord step and validate. */




/** `~` and `~/…` as a shell expands them, with `HOME` from the given environment. */
function expandHome(value, env) {
    if (value === '~' || value.startsWith('~/'))
        return external_node_path_default().join(env.HOME || external_node_os_default().homedir(), value.slice(1));
    return value;
}
async function isExecutableFile(file) {
    try {
        if (!(await (0,promises_namespaceObject.stat)(file)).isFile())
            return false;
        await (0,promises_namespaceObject.access)(file, external_node_fs_namespaceObject.constants.X_OK);
        return true;
    }
    catch {
        return false;
    }
}
/** Resolves a command name as a shell would: a path as is, a bare name through PATH. */
async function resolveExecutable(name, pathVar, cwd) {
    if (name.includes('/')) {
        const file = external_node_path_default().resolve(cwd, name);
        return (await isExecutableFile(file)) ? file : null;
    }
    for (const dir of pathVar.split((external_node_path_default()).delimiter)) {
        if (dir === '')
            continue;
        const file = external_node_path_default().resolve(cwd, dir, name);
        if (await isExecutableFile(file))
            return file;
    }
    return null;
}

;// CONCATENATED MODULE: ./src/plan/config.ts
/**
 * The Rekkord config: found where Rekkord looks for it, read as Rekkord reads it, with its hook
 * folders and its secrets. What the Rekkord step gets is in step-config.ts.
 */









/** The `[Hooks]` key of each phase, from the command table. */
const HOOK_KEYS = Object.fromEntries(COMMANDS.flatMap((command) => {
    const keys = commandSpec(command).hookKeys;
    return keys
        ? [[`pre-${command}`, keys.pre], [`post-${command}`, keys.post]]
        : [];
}));
/** Rekkord's default locations, in its order, after `-C` and `REKKORD_CONFIG_FILE`. */
async function defaultConfigCandidates(ctx) {
    const out = [];
    const platform = ctx.platform ?? process.platform;
    if (ctx.rekkordPath) {
        const real = await (0,promises_namespaceObject.realpath)(ctx.rekkordPath).catch(() => ctx.rekkordPath ?? '');
        out.push(external_node_path_default().join(external_node_path_default().dirname(real), 'rekkord.ini'));
    }
    if (platform === 'win32') {
        if (ctx.env.APPDATA)
            out.push(external_node_path_default().join(ctx.env.APPDATA, 'rekkord', 'rekkord.ini'));
    }
    else {
        const xdg = ctx.env.XDG_CONFIG_HOME;
        const home = ctx.env.HOME || external_node_os_default().homedir();
        out.push(external_node_path_default().join(xdg ? xdg : external_node_path_default().join(home, '.config'), 'rekkord', 'rekkord.ini'));
        out.push('/etc/rekkord/rekkord.ini');
    }
    return out;
}
async function locateConfig(explicit, ctx) {
    if (explicit)
        return { path: external_node_path_default().resolve(ctx.cwd, explicit), source: 'input', searched: [] };
    const fromEnv = ctx.env.REKKORD_CONFIG_FILE;
    if (fromEnv)
        return { path: external_node_path_default().resolve(ctx.cwd, fromEnv), source: 'REKKORD_CONFIG_FILE', searched: [] };
    const searched = await defaultConfigCandidates(ctx);
    const found = searched.find((candidate) => (0,external_node_fs_namespaceObject.existsSync)(candidate));
    return { path: found ?? null, source: found ? 'default' : null, searched };
}
function lenientHooks(text) {
    try {
        const parsed = ini_default().parse(text);
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
    const handle = await (0,promises_namespaceObject.open)(file, external_node_fs_namespaceObject.constants.O_RDONLY | external_node_fs_namespaceObject.constants.O_NONBLOCK);
    try {
        const info = await handle.stat();
        const refuse = (what) => new PreflightError((w) => `Rekkord config ${file} (from ${origin(w)}) ${what}`);
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
        if (error instanceof PreflightError)
            throw error;
        throw new PreflightError((w) => errnoSentence(`Rekkord config ${file} (from ${origin(w)})`, error, 'read'));
    }
    let doc;
    try {
        doc = parseRekkordIni(text, file);
    }
    catch (error) {
        if (error instanceof IniError) {
            throw new PreflightError(`Rekkord would refuse its config: ${error.message}`, {
                file,
                line: error.line,
            });
        }
        throw error;
    }
    const dir = external_node_path_default().dirname(file);
    const lenient = lenientHooks(text);
    const hooks = {};
    const phaseOf = new Map(Object.entries(HOOK_KEYS).map(([phase, key]) => [key, phase]));
    // Every occurrence counts: Rekkord lists the folder of each one (`lib/config.cc`, LoadIni).
    for (const entry of doc.entries) {
        const phase = entry.section === 'Hooks' ? phaseOf.get(entry.key) : undefined;
        if (!phase)
            continue;
        if (entry.value === '') {
            throw new PreflightError(`${file}:${entry.line}: [Hooks] ${entry.key} is empty; remove the line to run no ${phase} hooks`, { file, line: entry.line });
        }
        const other = lenient[entry.key];
        const lenientValue = typeof other === 'string' && other !== entry.value ? other : null;
        (hooks[phase] ??= []).push({
            key: entry.key,
            value: entry.value,
            directory: external_node_path_default().resolve(dir, expandHome(entry.value, env)),
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
        if (!knownKeys(KNOWN_KEYS, e.section).includes(e.key))
            return unknownKeySecrets(e);
        const name = `[${e.section}] ${e.key} (line ${e.line})`;
        if (knownKeys(SECRET_KEYS, e.section).includes(e.key))
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
    if (!isPlainName(e.key))
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
    const inConfig = config ? !!lastEntry(config.doc, 'Repository', 'KeyFile')?.value : false;
    return {
        keyFileNamed: options.keyFile || inConfig || KEY_FILE_VARIABLES.some((n) => env[n]),
        options: options.argv,
    };
}

;// CONCATENATED MODULE: ./src/plan/hook-sources.ts
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
        folders: (_settings, config, phase) => hookDirectories(config, phase).map((setting) => ({ directory: setting.directory, setting })),
        listing: REKKORD_LISTING,
        args: () => [],
        order: { pre: 2, post: 0 },
        shellRules: true,
    },
    /** A TKLBAM `hooks.d`: around Rekkord's own, each hook given `OPERATION STATE` (`backup pre`). */
    'hooks-dir': {
        input: 'hooks-dir',
        option: { value: 'DIR', help: 'TKLBAM-style hooks.d folder (hooks get OPERATION STATE)' },
        folders: (settings) => settings.hooksDir ? [{ directory: external_node_path_default().resolve(settings.workspace, settings.hooksDir) }] : [],
        listing: TKLBAM_LISTING,
        args: (command, stage) => [commandSpec(command).tklbamOperation, stage],
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
            const names = phaseBatteries(settings.batteries, phase);
            return names.length > 0 && settings.batteriesDir
                ? [{ directory: settings.batteriesDir, names }]
                : [];
        },
        listing: REKKORD_LISTING,
        args: () => [],
        order: { pre: 1, post: 1 },
        shellRules: false,
    },
};
const HOOK_SOURCE_KINDS = Object.keys(HOOK_SOURCES);
function hookSourceSpec(kind) {
    return HOOK_SOURCES[kind];
}

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
            checkpoint('listing', phase.phase);
            const rules = hookSourceSpec(source.kind).listing;
            const one = await listHookDirectory(source.directory, source.args, {
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
            errors.push(`the hook directory ${source.directory} cannot be read: ${describeError(error)}`);
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
    const reals = await Promise.all(one.hooks.map((h) => (0,promises_namespaceObject.realpath)(h.path).catch(() => h.path)));
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

;// CONCATENATED MODULE: ./src/kernel/text.ts
/**
 * Text for whatever the action prints outside the hooks' framed output: one line of plain text,
 * durations and command lines as a user reads them.
 */
function text_formatDuration(ms) {
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
function text_oneLine(text) {
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
    return text_oneLine(`Rekkord reads a private copy of ${source} without its [Hooks] section, so that no hook runs twice (this Rekkord has no --no_hooks).`);
}
/** Text of several lines (an error quoting a program's last lines), each made plain as above. */
function plainLines(text) {
    return text.split('\n').map(text_oneLine).join('\n');
}

;// CONCATENATED MODULE: ./src/validate/findings.ts
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
    const head = await readHead(file, HEAD_BYTES);
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
                message: `${external_node_path_default().basename(file)} has no #! line, so it runs with /bin/sh; start it with #!/bin/sh (or its real interpreter) to say so`,
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
    if (!(await resolveExecutable(interpreter, '', '/'))) {
        return [
            error('Interpreter not found', `The #! interpreter ${interpreter} does not exist or is not executable`, 1),
        ];
    }
    if (external_node_path_default().basename(interpreter) === 'env') {
        const command = words.find((w) => !w.startsWith('-') && !w.includes('='));
        if (command && !(await resolveExecutable(command, pathVar, '/'))) {
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
    return (0,promises_namespaceObject.realpath)(file).catch(() => external_node_path_default().resolve(file));
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
        info = await (0,promises_namespaceObject.stat)(file);
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
        message: `${file} (mode ${modeText(mode)}) can be changed by ${world ? 'any user' : 'its group'}, who could then change what runs with the backup's rights: ${commandLine(['chmod', world ? 'o-w' : 'g-w', '--', file])}`,
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
    for (let d = external_node_path_default().dirname(start); d !== chain.at(-1); d = external_node_path_default().dirname(d))
        chain.push(d);
    const named = external_node_path_default().resolve(folder.dir);
    for (let d = external_node_path_default().dirname(named), up = named; d !== up; up = d, d = external_node_path_default().dirname(d)) {
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
        hooks: r.phases.flatMap((p) => p.hooks.filter((h) => isFailure(h.outcome))),
        phases: r.phases.filter((p) => p.error !== ''),
        step: isFailure(r.step.outcome) ? r.step : null,
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
    const rehearsalFailed = (rehearsal ?? []).flatMap((p) => p.hooks.filter((h) => isFailure(h.outcome)));
    const invalidHooks = validation.phases
        .flatMap((p) => p.hooks)
        .filter((h) => worstSeverity(h.findings) === 'error').length;
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
    if (commandSpec(command).noHooksOption) {
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
    const mode = commandSpec(command).keyMode;
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
        : (0,external_node_fs_namespaceObject.existsSync)(file)
            ? `${file} is not an executable file`
            : `${file} does not exist`;
    return new PreflightError((w) => `Rekkord was not found: ${why}. ${INSTALL_HINT(w)}`);
}
/**
 * What every plan starts from: Rekkord looked for (a PreflightError when it is required and
 * missing), the config found and read as Rekkord would (or
 * null when there is none), every secret of the config, the environment and the args, and the
 * environment children get.
 */
async function planBase(settings, rekkordRequired) {
    const rekkordPath = await resolveExecutable(settings.rekkord, settings.env.PATH ?? '', settings.workspace);
    if (!rekkordPath && rekkordRequired)
        throw rekkordMissing(settings);
    const located = await locateConfig(settings.config, {
        env: settings.env,
        cwd: settings.workspace,
        rekkordPath,
    });
    const config = located.path && located.source
        ? await loadConfig(located.path, located.source, settings.env)
        : null;
    return {
        rekkordPath,
        config,
        searched: located.searched,
        secrets: [...(config?.secrets ?? []), ...runSecrets(settings.env, settings.args)],
        childEnv: childEnvironment(settings.env, settings.allowWorkflowCommands),
    };
}
async function sourceProblem(source, config) {
    const problem = await directoryProblem(source.directory);
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
        message: (w) => `${capitalized(w.setting(hookSourceSpec(source.kind).input))}: the hook directory ${problem}`,
        detail: `the hook directory ${problem}`,
    };
}
/** The folders of one phase, in the order they run (see the top of this file). */
function phasePlan(settings, config, command, stage) {
    const phase = `${stage}-${command}`;
    // Each source's folders, the sources in their order for this stage (see hook-sources.ts).
    const kinds = [...HOOK_SOURCE_KINDS].sort((a, b) => hookSourceSpec(a).order[stage] - hookSourceSpec(b).order[stage]);
    const sources = kinds.flatMap((kind) => {
        const spec = hookSourceSpec(kind);
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
    const [newest, older] = KEY_FILE_VARIABLES;
    return ` No key file is named: set [Repository] KeyFile in the config, -K FILE in ${rekkordArguments(w, '-K FILE')}, or ${newest} (${older} for builds that read the older name).`;
}
async function makePlan(settings, options = {}) {
    const command = settings.command;
    if (command === 'validate')
        throw new PreflightError('validate has no Rekkord step to plan');
    const base = await planBase(settings, !options.recovery);
    const { config, childEnv } = base;
    const rekkordPath = base.rekkordPath ?? settings.rekkord;
    options.maskSecrets?.(base.secrets);
    await options.beforeProbe?.(config?.path ?? null);
    const [pre, post] = STAGES.map((stage) => phasePlan(settings, config, command, stage));
    const repository = repositoryAccess(config, settings.args, childEnv);
    if (!options.recovery) {
        // Every [Hooks] folder, whatever the command: Rekkord refuses a config whose folder it cannot
        // list (`lib/config.cc`), so a scan fails on a missing pre-save folder too.
        const configured = allHookDirectories(config).map((setting) => ({
            kind: 'config',
            directory: setting.directory,
            setting,
        }));
        // The other sources' folders: the same for pre and post, so each is checked once.
        const others = new Map();
        for (const s of [...pre.sources, ...post.sources]) {
            if (hookSourceSpec(s.kind).input !== 'config' && !others.has(s.directory))
                others.set(s.directory, s);
        }
        const sources = [...configured, ...others.values()];
        for (const source of sources) {
            const problem = await sourceProblem(source, config);
            if (problem)
                throw new PreflightError(problem.message, problem.where);
        }
        await commandSpec(command).preflight?.(settings);
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
            throw new PreflightError((w) => `Rekkord at ${rekkordPath} does not run: ${error.message}. ${INSTALL_HINT(w)}`);
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
                throw new PreflightError((w) => `No hook ran: ${error.message}.${keyHint(repository, w)} ${w.edge === 'action' ? "Set 'identify: false'" : 'Use --no-identify'} to rehearse without the repository`);
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
    const phases = COMMANDS.flatMap((command) => STAGES.map((stage) => phasePlan(settings, config, command, stage))).filter((p) => p.sources.length > 0);
    if (!config && phases.length === 0) {
        // The inputs that name hook folders of their own, read from the hook-source table.
        const inputs = HOOK_SOURCE_KINDS.map((k) => hookSourceSpec(k).input).filter((i) => i !== 'config');
        throw new PreflightError(`Nothing to validate: no Rekkord config (searched ${searched.join(', ')}) and no ${inputs.map((i) => `'${i}'`).join(' or ')}`);
    }
    return { settings, config, configSearched: searched, secrets, childEnv, phases };
}

;// CONCATENATED MODULE: ./src/plan/types.ts
/** The plan's vocabulary: stages, phases and the entries of a hook folder. */
/** A snapshot OID: `M` (metadata) or `R` (raw) and a 64-digit BLAKE3 hash, upper case. */
const OID = '[MR][0-9A-F]{64}';

;// CONCATENATED MODULE: ./src/engine/rekkord-step.ts






/**
 * The OID lines (cli/snapshot.cc, newest): `Snapshot OID:` for a save, `Data OID:` for `save
 * --no_snapshot`; then `M` (metadata) or `R` (raw) and a 64-digit BLAKE3 hash. Rekkord is asked for
 * English, and the French lines (i18n/fr.json@306dbb29) are read too, for a build that ignores it.
 */
const OID_LINES = [
    [new RegExp(`^Snapshot OID: (${OID})$`), 'snapshot'],
    [new RegExp(`^OID de l'instantané : (${OID})$`), 'snapshot'],
    [new RegExp(`^Data OID: (${OID})$`), 'data'],
    [new RegExp(`^OID de l'objet : (${OID})$`), 'data'],
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
    checkpoint('spawn', 'rekkord');
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
    const ending = classifyExit(exit, { timeoutMs: 0, onCancel: 'interrupt' });
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
        const message = `${what} failed: ${describeError(error)}`;
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
        if (process.platform === 'linux' && (0,external_node_fs_namespaceObject.statSync)('/run/lock').isDirectory())
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
        return (0,external_node_fs_namespaceObject.realpathSync)(configPath);
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
        fd = (0,external_node_fs_namespaceObject.openSync)(lockPath, external_node_fs_namespaceObject.constants.O_RDONLY | external_node_fs_namespaceObject.constants.O_NOFOLLOW | external_node_fs_namespaceObject.constants.O_NONBLOCK);
    }
    catch {
        return null;
    }
    try {
        if (!(0,external_node_fs_namespaceObject.fstatSync)(fd).isFile())
            return null;
        const buffer = Buffer.alloc(MAX_RECORD);
        return buffer.toString('utf8', 0, (0,external_node_fs_namespaceObject.readSync)(fd, buffer, 0, MAX_RECORD, 0));
    }
    catch {
        return null;
    }
    finally {
        (0,external_node_fs_namespaceObject.closeSync)(fd);
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
            child = (0,external_node_child_process_namespaceObject.spawn)('perl', ['-e', HOLDER, lockPath, record, wait], {
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
            throw new PreflightError(`No hook ran: ${error.message}`);
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
        throw new PreflightError(`No hook ran: ${unreadable.join('; ')}`);
    try {
        const runsHooks = commandSpec(plan.command).hookKeys !== null;
        const stepConfig = await prepareStepConfig(plan.config, plan.settings.tempDir, plan.noHooks, runsHooks);
        return { pre, stepConfig };
    }
    catch (error) {
        throw new PreflightError(`No hook ran: the config for Rekkord could not be prepared in ${plan.settings.tempDir}: ${describeError(error)}`);
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
            error: `the phase stopped: ${describeError(error)}`,
        };
    }
}
async function runSession(plan, observer, options = {}) {
    const { settings, command } = plan;
    const cancel = options.cancel ?? new Cancellation();
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
        cancel: options.cancel ?? new Cancellation(),
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
        operands: commandSpec(command).operands(settings),
    };
    const display = commandLine(['rekkord', ...stepArguments(spec)]);
    observer.stepStart(display, stepConfig.isCopy ? copyNote(plan.config?.path ?? '') : '');
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
        const message = `rekkord ${command}: not started: ${describeError(error)}`;
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
            throw new PreflightError(`Cancelled by ${cancel.signal ?? ''} before any hook ran`);
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
    if (rel.startsWith('..') || external_node_path_default().isAbsolute(rel) || !(0,external_node_fs_namespaceObject.existsSync)(gitDir))
        return modes;
    const cleanEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('GIT_')));
    const args = [
        ...['--git-dir', gitDir, '--work-tree', workspace, '--literal-pathspecs'],
        ...['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null'],
        ...['-c', 'safe.bareRepository=explicit'],
        ...['ls-files', '-s', '-z', '--', rel || '.'],
    ];
    try {
        const { stdout } = await (0,external_node_util_namespaceObject.promisify)(external_node_child_process_namespaceObject.execFile)('git', args, {
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
    const rules = hookSourceSpec(source.kind).listing;
    return listHookDirectory(source.directory, source.args, {
        ...rules,
        limit: MAX_HOOKS_PER_FOLDER,
        ...(source.names ? { names: source.names } : {}),
    });
}
async function isRunnable(hook) {
    if (hook.problem)
        return false;
    const mode = await (0,promises_namespaceObject.stat)(hook.path).then((s) => s.mode, () => 0);
    return (mode & 0o111) !== 0;
}
/** Findings on a usable folder, once per folder however many phases use it. */
async function folderFindings(use, plan, title, ctx) {
    const { source } = use;
    const { shellRules } = hookSourceSpec(source.kind);
    const setting = plan.config ? source.setting : undefined;
    const where = setting && plan.config ? { file: plan.config.path, line: setting.line } : undefined;
    return [
        ...(shellRules
            ? folderShellFinding(source.directory, title, where?.file ?? source.directory, where?.line)
            : []),
        ...(await folderWritableFindings({ dir: source.directory, real: use.real }, ctx.repository, title, ctx.checked, where)),
    ];
}
async function hookFindings(hook, 
/** The hook's real path (see `real`). */
realPath, source, label, ctx) {
    const title = `${label} hook ${hook.name}`;
    const found = [];
    const { shellRules } = hookSourceSpec(source.kind);
    if (shellRules && hook.name.startsWith('.')) {
        const runnable = await isRunnable(hook);
        found.push(dotfileFinding(hook.name, hook.path, title, runnable));
        // A .gitkeep is no script: the dotfile finding says all, how it would start adds nothing.
        if (!runnable)
            return [...found, ...(await hookWritableFindings(realPath, title))];
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
        found.push(...nameShellFinding(hook.name, hook.path, title));
    }
    if (ctx.modes.get(hook.name) === '100644') {
        const file = commandLine([external_node_path_default().relative(ctx.workspace, hook.path)]);
        found.push({
            severity: 'error',
            title: `${title} not executable in git`,
            message: `git records ${hook.name} as not executable (mode 100644), so a fresh checkout cannot run it: git update-index --chmod=+x -- ${file}`,
            file: hook.path,
        });
    }
    found.push(...(await hookWritableFindings(realPath, title)));
    if (!hook.problem || hook.problem.kind === 'not-executable') {
        found.push(...(await startFindings(hook.path, ctx.pathVar)));
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
        const real = await (0,promises_namespaceObject.realpath)(external_node_path_default().join(batteriesDir, name)).catch(() => null);
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
        const rule = hookSourceSpec(source.kind).listing.maxHooks !== null
            ? `Rekkord takes at most ${MAX_HOOKS_PER_FOLDER} entries from one folder`
            : `validate examines at most ${MAX_HOOKS_PER_FOLDER} entries of one folder`;
        folder.push({
            severity: 'error',
            title: `${label} hook folder: too many entries`,
            message: `${source.directory} holds ${MAX_HOOKS_PER_FOLDER + listing.unexamined} entries: ${rule}; the first ${MAX_HOOKS_PER_FOLDER} in name order were checked, ${listing.unexamined} more were not`,
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
        const realPath = await real(hook.path);
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
            ? isPlainName(u.section)
                ? `section [${u.section}]`
                : 'a section'
            : isPlainName(u.key)
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
        repository: await real(plan.settings.workspace),
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
            const where = await real(source.directory);
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
async function rehearse(plan, observer, cancel = new Cancellation()) {
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


const engine_OPERATIONS = {
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
    return engine_OPERATIONS[name](settings, reporter, options);
}

;// CONCATENATED MODULE: ./src/report/rows.ts
/**
 * What a finished session says, whatever shows it: the rows of the hook table in the order things
 * ran, and the lines that announce phases and hooks.
 * Annotations, the job summary and the step outputs each have their own module.
 */



function workspaceFile(file, workspace) {
    const rel = external_node_path_default().relative(workspace, file);
    return rel !== '' && !rel.startsWith('..') && !external_node_path_default().isAbsolute(rel) ? rel : undefined;
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
            exit: exitColumn(step),
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
                exit: exitColumn(h),
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
        const duration = r.durationMs === null ? '' : formatDuration(r.durationMs);
        const word = r.outcome ? OUTCOMES[r.outcome].word : '';
        rows.push([r.phase, r.name, word, r.exit, duration].map(oneLine));
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
    return text_oneLine(`${phase}: ${listing.hooks.length} hook(s) in ${where}${skipped ? `; skipped: ${skipped}` : ''}`);
}
/** How a reporter titles a running hook: phase, name and arguments. */
function hookTitle(phase, hook) {
    const args = hook.args.length ? ` ${hook.args.join(' ')}` : '';
    return text_oneLine(`${phase} › ${hook.name}${args}`);
}
/** The line that closes a hook's or the Rekkord step's output: how it ended, how long it took. */
function endLine(what, result, marks) {
    const took = text_formatDuration(result.durationMs);
    if (result.outcome === 'success')
        return text_oneLine(`${marks.ok} ${what} succeeded in ${took}`);
    return text_oneLine(`${marks.failed} ${what}: ${result.message} (${took})`);
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
                title: text_oneLine(`${name} hook ${hook.name} failed (${exitStatus(hook)})`),
                message: withTail(text_oneLine(`${hook.path}: ${hook.message}`), hook.tail, 5),
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
        parts.push(`rekkord ${step.command} failed (${exitStatus(step)})`);
    const unfinished = unfinishedPostHooks(result.phases).length;
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
        const { masks, tooShort } = masksOf(secrets);
        this.addMasks(masks);
        for (const name of tooShort) {
            this.warn({
                title: 'Secret not masked',
                message: `${name} is shorter than ${MIN_MASK_LENGTH} characters: it is not masked, since a mask that short would hide every occurrence in the log`,
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
const HOOKS_OUTPUT_BUDGET = 512 * 1024;
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

;// CONCATENATED MODULE: ./src/report/summary.ts
/** The job summary: Markdown in which names, paths and output are always plain text. */



/**
 * Text for a table cell: every character Markdown or HTML could read as markup is written as an
 * entity, so a hook named `*x*` or `[a](b)` shows as written and cannot break the table.
 */
function cell(text) {
    return text.replace(/\r?\n|\r/g, ' ').replace(/[&<>|\\`*_[\]~]/g, (c) => `&#${c.charCodeAt(0)};`);
}
function code(text) {
    return `<code>${cell(text)}</code>`;
}
function renderSummary(result, ctx) {
    const out = [];
    const verdict = result.cancelled
        ? `🛑 cancelled by ${result.cancelled}`
        : result.recovery
            ? '🛟 post hooks run by the post step'
            : result.success
                ? '✅ succeeded'
                : result.rekkordDone
                    ? '❌ failed after Rekkord did its work'
                    : '❌ failed';
    out.push(`## Rekkord ${result.command} ${verdict}`, '');
    const written = oidSentence(result, ctx.channel, code);
    if (written)
        out.push(`${written}.`, '');
    const facts = [`Config: ${result.configPath ? code(result.configPath) : 'none found'}`];
    if (ctx.rekkordVersion)
        facts.push(`Rekkord ${cell(ctx.rekkordVersion)}`);
    if (result.lockWaitMs) {
        facts.push(`Waited ${text_formatDuration(result.lockWaitMs)} for another run on the same config`);
    }
    out.push(facts.join(' · '), '');
    out.push(...hookTable(result.phases, result.step, SUMMARY_TABLE_BUDGET, result.recovery));
    out.push(...skippedLine(result.phases), '');
    return out.join('\n');
}
/**
 * What Rekkord wrote, in one sentence, with `show` for names: the snapshot and its channel, the
 * object of `save --no_snapshot`, and when Rekkord failed after writing it (a failed [Link]
 * report), that it exists all the same. Empty when Rekkord printed no OID.
 */
function oidSentence(result, channel, show) {
    if (!result.oid)
        return '';
    const oid = show(result.oid);
    const where = result.step.oidKind === 'data'
        ? '(save --no_snapshot: an object, no channel)'
        : `in channel ${show(channel ?? '')}`;
    const what = result.step.oidKind === 'data' ? 'Object' : 'Snapshot';
    if (result.step.outcome === 'success')
        return `${what} ${oid} saved ${where}`;
    return `${what} ${oid} exists ${where}, but Rekkord failed after writing it (${exitStatus(result.step)})`;
}
/** The summary of a run that stopped before any hook: what stopped it. */
function renderAbortSummary(message) {
    return ['## Rekkord hooks ❌ failed before any hook ran', '', cell(message), ''].join('\n');
}
/** The most skipped entries a summary names: a folder may hold 1024 of them, each phase several. */
const MAX_SKIPPED_NAMED = 100;
/** The skipped entries of every phase, the first MAX_SKIPPED_NAMED named, then how many more. */
function skippedLine(phases) {
    const all = phases.flatMap((p) => p.skipped.map((e) => ({ phase: p.phase, e })));
    if (!all.length)
        return [];
    const named = all
        .slice(0, MAX_SKIPPED_NAMED)
        .map(({ phase, e }) => `${code(`${phase}/${e.name}`)} (${cell(e.reason)})`);
    const lines = ['', `Skipped entries: ${named.join(', ')}`];
    if (all.length > MAX_SKIPPED_NAMED) {
        lines.push(`… ${all.length - MAX_SKIPPED_NAMED} more skipped entries`);
    }
    return lines;
}
/**
 * The runner refuses a job summary over 1 MiB, and a repository decides how many hooks there are:
 * each table is cut to a budget, with a line saying how many rows were left out. A page's main
 * table (a session's hooks, validate's checks) gets the first; validate's rehearsal table, a
 * second table on its page, the second. With the skipped entries (validate names at most 100)
 * and the headings, a page stays under the limit.
 */
const SUMMARY_TABLE_BUDGET = 512 * 1024;
const REHEARSAL_TABLE_BUDGET = 256 * 1024;
/** As many rows as fit the budget, then a line naming how many were left out. */
function withinBudget(rows, budget, noun) {
    const out = [];
    let size = 0;
    for (const row of rows) {
        size += Buffer.byteLength(row) + 1;
        if (size > budget) {
            out.push('', `… ${rows.length - out.length} more ${noun} not shown: the summary has a size limit`);
            break;
        }
        out.push(row);
    }
    return out;
}
/** The hook table as Markdown, cut to its budget. */
function hookTable(phases, step, budget, stepFirst = false) {
    const rows = [];
    for (const r of hookRows(phases, step, stepFirst)) {
        const outcome = r.directories
            ? `no hooks in ${r.directories.map(code).join(', ')}`
            : r.outcome
                ? outcomeLabel(r.outcome)
                : r.note === 'failure'
                    ? outcomeLabel('failure')
                    : cell(r.note);
        const cols = [
            cell(r.phase),
            r.kind === 'note' ? '—' : code(r.name),
            outcome,
            r.exit,
            r.durationMs === null ? '' : text_formatDuration(r.durationMs),
            cell(r.details),
        ];
        rows.push(`| ${cols.join(' | ')} |`);
    }
    return [
        '| Phase | Hook | Outcome | Exit | Duration | Details |',
        '| --- | --- | --- | --- | --- | --- |',
        ...withinBudget(rows, budget, 'rows'),
    ];
}

;// CONCATENATED MODULE: ./src/report/validation.ts
/** What validate says, independent of where it is shown: annotations, job summary, outputs. */





/** Every finding points at a file and a line: line 1 when the problem is the file itself. */
function annotation(finding, workspace) {
    const file = workspaceFile(finding.file, workspace);
    const line = finding.line ?? 1;
    return {
        title: finding.title,
        message: `${finding.file}:${line}: ${finding.message}`,
        ...(file ? { file, line } : {}),
    };
}
function validationAnnotations(result, workspace) {
    const { validation, rehearsal } = result;
    const of = (severity) => validation.findings.filter((f) => f.severity === severity).map((f) => annotation(f, workspace));
    const errors = [
        ...of('error'),
        ...hookAnnotations(rehearsal ?? [], result.rehearsalFailed, workspace),
    ];
    const where = 'the job summary lists them';
    const failure = !result.success
        ? `Hook validation failed: ${errors.length} problem${errors.length === 1 ? '' : 's'}`
        : null;
    return {
        errors: capAnnotations(errors, failure ? 1 : 0, 'problems', where),
        warnings: capAnnotations(of('warning'), 0, 'warnings', where),
        failure,
    };
}
const MARK = { error: '❌', warning: '⚠️' };
function validationRows(result) {
    const rows = [];
    for (const phase of result.validation.phases) {
        for (const error of phase.errors)
            rows.push(`| ${phase.phase} | | — | | ❌ | ${cell(error)} |`);
        for (const f of phase.folderFindings) {
            rows.push(`| ${phase.phase} | | — | | ${MARK[f.severity]} | ${cell(f.message)} |`);
        }
        phase.hooks.forEach((hook, index) => {
            const severity = worstSeverity(hook.findings);
            const worst = severity ? MARK[severity] : '✅';
            // A hook of a folder that serves several phases is checked once: its findings are shown
            // in the first phase that lists it.
            const findings = hook.shownIn !== phase.phase && hook.findings.length
                ? `as in ${cell(hook.shownIn)}`
                : hook.findings
                    .map((f) => `${MARK[f.severity]} ${f.line ? `line ${f.line}: ` : ''}${cell(f.message)}`)
                    .join('<br>');
            rows.push(`| ${phase.phase} | ${index + 1} | ${code(hook.name)} | ${cell(hook.args.join(' '))} | ${worst} | ${findings} |`);
        });
        if (phase.hooks.length === 0 && phase.errors.length === 0) {
            rows.push(`| ${phase.phase} | | — | | | no hooks in ${phase.directories.map(code).join(', ')} |`);
        }
    }
    return rows;
}
function renderValidationSummary(result) {
    const { validation, rehearsal, errors, warnings, success: ok } = result;
    const rehearsalFailed = result.rehearsalFailed.length;
    const out = [
        `## Rekkord hooks validation ${ok ? '✅ passed' : '❌ failed'}`,
        '',
        `${errors} error(s), ${warnings} warning(s)${rehearsal ? `, ${rehearsalFailed} hook(s) failed in the rehearsal` : ''}. Config: ${validation.configPath ? code(validation.configPath) : 'none'}.`,
        '',
        '| Phase | # | Hook | Arguments | Check | Findings |',
        '| --- | --- | --- | --- | --- | --- |',
        ...withinBudget(validationRows(result), SUMMARY_TABLE_BUDGET, 'rows'),
    ];
    out.push(...skippedLine(result.validation.phases));
    if (rehearsal) {
        out.push('', '### Rehearsal (`REKKORD_HOOK_REHEARSAL=1`)', '', ...hookTable(rehearsal, null, REHEARSAL_TABLE_BUDGET));
    }
    out.push('');
    return out.join('\n');
}
function validationOutputs(result) {
    const { validation, rehearsal } = result;
    const checked = validation.phases.flatMap((p) => p.hooks.map((h) => {
        const invalid = worstSeverity(h.findings) === 'error';
        return {
            phase: p.phase,
            name: h.name,
            path: h.path,
            exitCode: null,
            signal: null,
            durationMs: 0,
            outcome: invalid ? 'invalid' : 'valid',
            message: h.findings.map((f) => f.message).join('; '),
        };
    }));
    const rehearsed = hookOutputs(rehearsal ?? []);
    return {
        success: String(result.success),
        oid: '',
        hooks: hooksOutput([...checked, ...rehearsed]),
        'failed-hooks': String(result.invalidHooks + result.rehearsalFailed.length),
    };
}

;// CONCATENATED MODULE: ./src/action/reporter.ts
/** The Actions edge of reporting: log groups, annotations, the job summary and step outputs. */












const MARKS = { ok: '✅', failed: '❌' };
class ActionsReporter extends LiveReporter {
    options;
    rekkordVersion = null;
    channel = null;
    /** The token of the open stop-commands block, or null. */
    paused = null;
    constructor(options) {
        super(process.stdout, MARKS);
        this.options = options;
    }
    /** A line of the action's own, always outside any block that pauses workflow commands. */
    line(text) {
        this.resume();
        this.log.line(text_oneLine(text));
    }
    warn(warning) {
        core_warning(text_oneLine(warning.message), { title: text_oneLine(warning.title) });
    }
    addMasks(masks) {
        for (const mask of masks)
            core_setSecret(mask);
    }
    planned(plan) {
        this.rekkordVersion = plan.rekkordVersion;
        this.channel = plan.settings.channel;
        const config = plan.config
            ? `config ${plan.config.path}`
            : `no config (searched ${plan.configSearched.join(', ')})`;
        const version = plan.rekkordVersion ? ` ${plan.rekkordVersion}` : '';
        this.line(`Rekkord${version} at ${plan.rekkordPath}, ${config}`);
        for (const warning of plan.warnings)
            core_warning(warning, { title: 'Rekkord config' });
    }
    /** A log group, in which the output cannot issue workflow commands unless allowed. */
    open(title) {
        this.resume();
        startGroup(text_oneLine(title));
        if (this.options.allowWorkflowCommands)
            return;
        // Unguessable, so output cannot end the pause of workflow commands by itself.
        this.paused = `rekkord-hooks-${(0,external_node_crypto_namespaceObject.randomUUID)()}`;
        this.log.line(`::stop-commands::${this.paused}`);
    }
    /** Ends the pause of workflow commands, if one is open. */
    resume() {
        this.log.endLine();
        if (this.paused === null)
            return;
        this.log.line(`::${this.paused}::`);
        this.paused = null;
    }
    close() {
        this.resume();
        endGroup();
    }
    async finish(result) {
        this.resume();
        // Each part on its own: one that cannot be written (a missing GITHUB_OUTPUT) must not stop
        // the others, and is itself a failure that is shown.
        const problems = [];
        const attempt = async (what, part) => {
            try {
                await part();
            }
            catch (error) {
                problems.push(`${what} could not be written: ${describeError(error)}`);
            }
        };
        const { annotations, failure } = errorAnnotations(result, this.options.workspace);
        for (const a of annotations)
            core_error(a.message, properties(a));
        const written = oidSentence(result, this.channel, (text) => text);
        if (written)
            notice(written, { title: 'Rekkord snapshot' });
        if (result.recovery && result.success) {
            core_warning('The main step ended before its post hooks ran; the post step ran them with SUCCESS=0 and REKKORD_HOOK_CANCELLED=1', { title: 'Post hooks run by the post step' });
        }
        await attempt('The step outputs', () => {
            writeOutputs(stepOutputs(result));
        });
        const ctx = { channel: this.channel, rekkordVersion: this.rekkordVersion };
        await attempt('The job summary', () => writeSummary(renderSummary(result, ctx)));
        for (const problem of problems)
            core_error(problem, { title: 'Rekkord hooks action error' });
        if (failure)
            setFailed(failure);
        // Each problem is already an annotation of its own: the step fails without repeating it.
        else if (problems.length)
            process.exitCode = 1;
    }
    async finishValidation(result) {
        this.resume();
        writeOutputs(validationOutputs(result));
        const { errors, warnings, failure } = validationAnnotations(result, this.options.workspace);
        for (const a of warnings)
            core_warning(a.message, properties(a));
        for (const a of errors)
            core_error(a.message, properties(a));
        await writeSummary(renderValidationSummary(result));
        if (failure)
            setFailed(failure);
        else
            this.line('✅ Every hook passed validation');
    }
    /**
     * What stopped the run: shown after the pause of workflow commands ends, or the runner would
     * not show it.
     */
    async stopped(error) {
        this.resume();
        await ActionsReporter.abort(error, this.options.workspace);
    }
    /** Before any hook ran: bad input or a plan that cannot run. */
    static async abort(error, workspace) {
        const message = error instanceof Error ? error.message : String(error);
        // The outputs and the summary as far as they can be written; the error is shown either way.
        try {
            writeOutputs(ABORT_OUTPUTS);
        }
        catch {
            // Nothing more to do: the error below is what matters.
        }
        try {
            await writeSummary(renderAbortSummary(message));
        }
        catch {
            // As above.
        }
        const where = error instanceof PreflightError ? error.where : undefined;
        const file = where ? workspaceFile(where.file, workspace) : undefined;
        if (!file) {
            setFailed(message);
            return;
        }
        // An error in a file of the repository (a config line) is shown on that line.
        const line = where?.line ? { startLine: where.line } : {};
        core_error(message, { title: 'Rekkord hooks', file, ...line });
        process.exitCode = 1;
    }
}
function properties(a) {
    return {
        title: a.title,
        ...(a.file ? { file: a.file } : {}),
        ...(a.line ? { startLine: a.line } : {}),
    };
}
function writeOutputs(outputs) {
    checkpoint('outputs');
    for (const [name, value] of Object.entries(outputs))
        setOutput(name, value);
}
async function writeSummary(markdown) {
    checkpoint('summary');
    if (!process.env.GITHUB_STEP_SUMMARY)
        return;
    await summary.addRaw(markdown).write();
}

;// CONCATENATED MODULE: ./src/plan/inputs.ts
/** Inputs: every input validated once, with a clear error, into one immutable settings object. */





const CHANNEL_MAX_BYTES = 256;
/** The longest `hook-timeout`: 24 days, comfortably inside what a timer can hold. */
const MAX_HOOK_TIMEOUT_S = 24 * 24 * 3600;
// Options that choose a config: the action must know which config Rekkord reads.
const CONFIG_OPTIONS = /^(-C.*|--config_file(=.*)?|--no_config|--no_hooks)$/;
const OID_PATTERN = new RegExp(`^${OID}$`);
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
    throw new PreflightError(message, undefined, true);
}
/** `Input 'name'` for the action, `--name` (or the operand) for the command line. */
const named = (name) => (w) => capitalized(w.setting(name));
function inputs_boolean(name, text) {
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
    const expanded = expandBatteries(names);
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
            const paths = lines(raw('paths')).map((p) => expandHome(p, env));
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
            const destination = expandHome(raw('destination').trim(), env);
            if (destination === '')
                fail((w) => `${named('destination')(w)} is required for restore: a folder`);
            notAnOption('Destination', destination);
            return { destination };
        },
    },
    exercise: {
        given: (raw) => inputs_boolean('exercise', raw('exercise').trim()),
        read: (raw) => ({ exercise: inputs_boolean('exercise', raw('exercise').trim()) }),
    },
};
function commandValues(command, read, env, args) {
    const spec = OPERATION_TABLE[command];
    // `save --no_snapshot`: one path, no channel (Rekkord takes none in that mode); the other
    // inputs are refused as for any save.
    const raw = command === 'save' && savesRaw(args);
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
            const users = OPERATIONS.filter((o) => OPERATION_TABLE[o].inputs.includes(name));
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
        return value === '' ? null : expandHome(value, context.env);
    };
    const command = get('command');
    if (command === '')
        fail((w) => `${named('command')(w)} is required: one of ${OPERATIONS.join(', ')}`);
    if (!isOperation(command)) {
        fail((w) => `${named('command')(w)} is '${command}'; expected one of ${OPERATIONS.join(', ')}`);
    }
    const args = lines(input('args'));
    const values = commandValues(command, input, context.env, args);
    const configArg = args.find((a) => CONFIG_OPTIONS.test(a));
    if (configArg) {
        fail((w) => w.edge === 'action'
            ? `Input ${rekkordArguments(w)} must not choose the config or its hooks ('${configArg}'): use the 'config' input; the action passes --no_hooks itself`
            : `${capitalized(rekkordArguments(w))} must not choose the config or its hooks ('${configArg}'): use ${w.setting('config')}; rekkord-hooks passes --no_hooks itself`);
    }
    const enabled = batteries(input('batteries'), () => context.batteriesDir !== undefined
        ? context.batteriesDir
        : findBatteriesFolder(import.meta.url));
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
        allowWorkflowCommands: inputs_boolean('allow-workflow-commands', get('allow-workflow-commands')),
        skipIdentify: !inputs_boolean('identify', get('identify') || 'true'),
        workspace: context.workspace,
        tempDir: context.tempDir,
        env: context.env,
    });
}

;// CONCATENATED MODULE: ./src/action/edge.ts
/**
 * What the main and the post step share at the runner's edge: the state store, the settings from
 * the step's inputs, the cancel signals, and how a run that stopped is shown.
 */








/** The runner's GITHUB_STATE, through `@actions/core`. */
const actionsState = {
    save(name, value) {
        checkpoint('state', name);
        saveState(name, value);
    },
    get: (name) => getState(name),
    reset() {
        // The runner gives each step a fresh state file: emptying it drops only this step's lines.
        const file = process.env.GITHUB_STATE;
        if (file)
            (0,external_node_fs_namespaceObject.writeFileSync)(file, '');
    },
};
function readSettings(workspace) {
    return parseSettings((name) => getInput(name, { trimWhitespace: false }), {
        workspace,
        tempDir: process.env.RUNNER_TEMP || external_node_os_default().tmpdir(),
        env: process.env,
    });
}
/** SIGINT and SIGTERM (the runner's cancel, `timeout-minutes`) cancel the session. */
function cancelOnSignals() {
    const cancel = new Cancellation();
    const onSignal = (signal) => {
        if (cancel.cancel(signal))
            info(`Received ${signal}: stopping, then running the post hooks`);
        else
            info(`Received ${signal} again: the post hooks are already running`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return cancel;
}
/** Shows what stopped the run, after the reporter's pause of workflow commands if one is open. */
async function edge_fail(error, workspace, reporter) {
    if (!(error instanceof PreflightError) && error instanceof Error)
        core_debug(error.stack ?? '');
    if (reporter)
        await reporter.stopped(error);
    else
        await ActionsReporter.abort(error, workspace);
}

;// CONCATENATED MODULE: ./src/action/state.ts
/**
 * What the main step leaves for the post step (the runner's GITHUB_STATE, read back as STATE_*
 * variables): the keys, typed writers, and the one checked reader. The post step runs what the
 * main step still owed, and nothing else: it never re-runs a finished phase, and it runs nothing
 * from a state that is not the one this run's main step wrote.
 */



/** The keys; the last value saved under a key wins. */
const STATE_KEYS = {
    /** Set first by the main step to this run's token: only the post step sees it. */
    isPost: 'isPost',
    /** The same token again, written last by the main step. */
    token: 'token',
    /** `pre` once the pre phase started (post hooks are owed), `post`, then `done`. */
    stage: 'stage',
    /** How many post hooks finished, and their paths as `post-done-1`, `post-done-2`, ... */
    postDoneCount: 'post-done-count',
    postDone: 'post-done-',
    /**
     * Process group of the running hook or Rekkord as `<pgid>:<leader's start time>`, empty when
     * none runs: the post step signals it only when its leader is still that process.
     */
    pgid: 'pgid',
    /** JSON {exitCode, oid} of the Rekkord step, for the post hooks' environment. */
    step: 'step',
};
/** The main step's writer: one per run, every value tagged by this run's token. */
class StateWriter {
    store;
    token = randomUUID();
    postDone = 0;
    /** Every value saved, to save again last; a key never saved is saved empty. */
    saved = new Map([
        [STATE_KEYS.stage, ''],
        [STATE_KEYS.pgid, ''],
        [STATE_KEYS.postDoneCount, '0'],
        [STATE_KEYS.step, ''],
    ]);
    constructor(store) {
        this.store = store;
    }
    save(name, value) {
        this.saved.set(name, value);
        this.store.save(name, value);
    }
    /** First thing the main step does: from now on the post step knows it is the post step. */
    begin() {
        this.store.save(STATE_KEYS.isPost, this.token);
        this.store.save(STATE_KEYS.token, this.token);
    }
    stage(stage) {
        this.save(STATE_KEYS.stage, stage);
    }
    processGroup(pgid) {
        const startTime = pgid === null ? null : processStartTime(pgid);
        // Without the leader's start time the group cannot be proven later: record none.
        this.save(STATE_KEYS.pgid, pgid === null || startTime === null ? '' : `${pgid}:${startTime}`);
    }
    postHookDone(hookPath) {
        this.postDone += 1;
        this.save(`${STATE_KEYS.postDone}${this.postDone}`, hookPath);
        this.save(STATE_KEYS.postDoneCount, String(this.postDone));
    }
    step(exitCode, oid) {
        this.save(STATE_KEYS.step, JSON.stringify({ exitCode, oid }));
    }
    /**
     * Last thing the main step does: every value of its own again, after anything a hook allowed
     * workflow commands may have written to GITHUB_STATE (the last value of a key wins).
     */
    end() {
        this.store.reset?.();
        for (const [name, value] of this.saved)
            this.store.save(name, value);
        this.store.save(STATE_KEYS.isPost, this.token);
        this.store.save(STATE_KEYS.token, this.token);
    }
}
class StateError extends Error {
    name = 'StateError';
}
const state_STAGES = ['pre', 'post', 'done'];
/** Reads and checks the state; a StateError when it is not the one the main step wrote. */
function readState(store) {
    const token = store.get(STATE_KEYS.token);
    if (!/^[0-9a-f-]{36}$/.test(token) || store.get(STATE_KEYS.isPost) !== token) {
        throw new StateError("the saved state is not the one this run's main step wrote (its token does not match): something else wrote to GITHUB_STATE");
    }
    const stageText = store.get(STATE_KEYS.stage);
    if (stageText !== '' && !state_STAGES.includes(stageText)) {
        throw new StateError(`the saved state has an unknown stage '${stageText}'`);
    }
    const pgidText = store.get(STATE_KEYS.pgid);
    // A group id of 0 or 1 would signal this process's own group or every process: never.
    const group = /^([1-9]\d*):(\d+)$/.exec(pgidText);
    const pgid = group && Number(group[1]) > 1 ? { pgid: Number(group[1]), startTime: group[2] ?? '' } : null;
    const count = Number(store.get(STATE_KEYS.postDoneCount) || '0');
    const postDone = new Set();
    for (let i = 1; Number.isSafeInteger(count) && i <= count; i++) {
        postDone.add(store.get(`${STATE_KEYS.postDone}${i}`));
    }
    let parsed;
    try {
        parsed = JSON.parse(store.get(STATE_KEYS.step) || '{}');
    }
    catch {
        throw new StateError('the saved state of the Rekkord step is not valid JSON');
    }
    const step = {
        exitCode: typeof parsed.exitCode === 'number' ? parsed.exitCode : null,
        oid: typeof parsed.oid === 'string' ? parsed.oid : null,
    };
    // Shown to the user: only characters that cannot form a workflow command.
    const unprovenGroup = pgidText !== '' && !pgid ? pgidText.slice(0, 40).replace(/[^\w.:-]/g, '?') : null;
    return { stage: (stageText || null), group: pgid, unprovenGroup, postDone, step };
}
/**
 * The post step's ledger: an observer next to the reporter that records in the state what the
 * main step has begun and what it still owes.
 */
class StateLedger {
    state;
    constructor(state) {
        this.state = state;
    }
    phaseStart(_phase, _dirs, _listing, stage) {
        if (stage)
            this.state.stage(stage);
    }
    hookStart() {
        // Recorded when it ends.
    }
    output() {
        return undefined;
    }
    processGroup(pgid) {
        this.state.processGroup(pgid);
    }
    hookEnd(result) {
        if (result.phase.startsWith('post-') && !leftForPostStep(result)) {
            this.state.postHookDone(result.path);
        }
    }
    stepStart() {
        // Recorded when it ends.
    }
    stepEnd(result) {
        this.state.step(result.exitCode, result.oid);
    }
    phaseEnd(report) {
        if (report.phase.startsWith('post-') && !report.hooks.some(leftForPostStep)) {
            this.state.stage('done');
        }
    }
}

;// CONCATENATED MODULE: ./src/action/post.ts
/**
 * The action's post step (`runs.post`, its own bundle): it runs the post hooks only when the main
 * step died before it could, and nothing else. `run()` is the entry of `dist/post/index.js` and of
 * `@github/local-action --post`.
 */







async function run() {
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    let saved;
    let reporter = null;
    try {
        saved = readState(actionsState);
    }
    catch (error) {
        setFailed(`The post step runs nothing: ${error.message}`);
        return;
    }
    if (saved.stage !== 'pre' && saved.stage !== 'post') {
        info(saved.stage === 'done'
            ? 'The main step ran the post hooks: nothing to do.'
            : 'No hook ran in the main step: nothing to do.');
        return;
    }
    // Whatever the killed main step was running goes first, or it would race the post hooks; but
    // only a group proven to be the one it started (the state may hold anything a hook wrote).
    if (saved.unprovenGroup !== null) {
        info(`Not signalling the process group named by the saved state ('${saved.unprovenGroup}'): it is not a group the main step recorded`);
    }
    else if (saved.group) {
        const { pgid, startTime } = saved.group;
        const mismatch = groupMismatch(pgid, startTime);
        if (mismatch) {
            info(`Not signalling process group ${pgid} named by the saved state: ${mismatch}`);
        }
        else if (signalGroup(pgid, 'SIGTERM')) {
            info(`Stopping process group ${pgid}, left running by the main step`);
            await reapGroup(pgid, 2000);
        }
    }
    const cancel = cancelOnSignals();
    try {
        const settings = readSettings(workspace);
        // A config copy of a killed Rekkord step holds the config's secrets: it goes now.
        if ((await removeLeftoverCopies(settings.tempDir)) > 0) {
            info('Removed the private config copy left by the main step');
        }
        reporter = new ActionsReporter({
            workspace,
            allowWorkflowCommands: settings.allowWorkflowCommands,
        });
        info(`The main step ended before its post hooks ran (${saved.postDone.size} had finished); running them now with SUCCESS=0`);
        const recover = { alreadyRun: saved.postDone, ...saved.step };
        await runOperation(settings, reporter, { cancel, recover });
    }
    catch (error) {
        await edge_fail(error, workspace, reporter);
    }
}


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
/******/ var __webpack_exports__ = __nccwpck_require__(91);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 

//# sourceMappingURL=index.js.map