// A hook's headers: in wire order, looked up without regard to case as `fetch`'s Headers
// are, and never holding a line break (which would split one header into two).

const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/** A line break in a header would let a script split one header into two, or end the head early. */
function headerText(what: string, value: unknown): string {
  const text = String(value)
  if (/[\r\n\0]/.test(text)) throw new TypeError(`a header ${what} may not contain a line break: ${JSON.stringify(text).slice(0, 80)}`)
  return text
}

/** Headers in wire order, looked up without regard to case, as `fetch`'s Headers. */
export class HeaderList {
  #list: [string, string][]

  constructor(list: [string, string][]) {
    this.#list = list.map(([name, value]) => [name, value])
  }

  get(name: string): string | null {
    const values = this.getAll(name)
    return values.length ? values.join(', ') : null
  }

  getAll(name: string): string[] {
    const key = String(name).toLowerCase()
    return this.#list.filter(([n]) => n.toLowerCase() === key).map(([, v]) => v)
  }

  has(name: string): boolean {
    const key = String(name).toLowerCase()
    return this.#list.some(([n]) => n.toLowerCase() === key)
  }

  /** Replaces every header of that name with one, where the first of them was (order kept). */
  set(name: string, value: unknown): void {
    const [n, v] = [headerText('name', name), headerText('value', value)]
    const key = n.toLowerCase()
    const at = this.#list.findIndex(([h]) => h.toLowerCase() === key)
    if (at < 0) {
      this.#list.push([n, v])
      return
    }
    this.#list[at] = [this.#list[at][0], v]
    this.#list = this.#list.filter(([h], i) => i <= at || h.toLowerCase() !== key)
  }

  append(name: string, value: unknown): void {
    this.#list.push([headerText('name', name), headerText('value', value)])
  }

  delete(name: string): void {
    const key = String(name).toLowerCase()
    this.#list = this.#list.filter(([n]) => n.toLowerCase() !== key)
  }

  entries(): IterableIterator<[string, string]> {
    return this.pairs()[Symbol.iterator]()
  }

  keys(): IterableIterator<string> {
    return this.#list.map(([n]) => n)[Symbol.iterator]()
  }

  values(): IterableIterator<string> {
    return this.#list.map(([, v]) => v)[Symbol.iterator]()
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const [n, v] of this.pairs()) fn(v, n)
  }

  toJSON(): [string, string][] {
    return this.pairs()
  }

  [INSPECT](): [string, string][] {
    return this.pairs()
  }

  /** Copies, so a script that keeps one cannot change the list behind our back. */
  pairs(): [string, string][] {
    return this.#list.map(([n, v]) => [n, v])
  }
}

/** Headers a script gave (pairs, a plain object or a HeaderList), as pairs. */
export function headerPairs(value: unknown): [string, string][] {
  if (value === undefined || value === null) return []
  if (value instanceof HeaderList) return value.pairs()
  const list = new HeaderList([])
  if (Array.isArray(value)) {
    for (const pair of value) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('headers must be [name, value] pairs or an object of name: value')
      list.append(pair[0], pair[1])
    }
  } else if (typeof value === 'object') {
    for (const [n, v] of Object.entries(value)) for (const one of Array.isArray(v) ? v : [v]) list.append(n, one)
  } else throw new TypeError('headers must be [name, value] pairs or an object of name: value')
  return list.pairs()
}
