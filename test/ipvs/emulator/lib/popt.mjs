// The part of libpopt that ipvsadm relies on: options are read left to right,
// short options may be clustered ("-Ln", "-srr"), a required argument is the
// rest of the cluster or the next word (even one starting with "-"), an
// optional argument is taken from the next word only when it does not start
// with "-", long options take "--name=value" or "--name value", words that are
// not options are kept aside as leftovers, and "--" ends the options.

/**
 * @typedef {{ long?: string, short?: string, arg: 'none' | 'required' | 'optional', key: string }} PoptOption
 * @typedef {{ key: string, arg?: string, word: string } | { end: true } | { error: string, bad: string }} PoptResult
 */

export class PoptContext {
  /** @param {string[]} args the words after the program name; @param {PoptOption[]} table */
  constructor(args, table) {
    this.args = args;
    this.table = table;
    this.next = 0;
    /** Letters still to read from a short-option cluster, and the word they came from. */
    this.cluster = '';
    this.clusterWord = '';
    this.leftovers = [];
    this.onlyLeftovers = false;
  }

  /** @returns {PoptResult} */
  nextOption() {
    if (this.cluster !== '') return this.#short();
    while (this.next < this.args.length) {
      const word = this.args[this.next++];
      if (this.onlyLeftovers || word === '-' || !word.startsWith('-')) {
        this.leftovers.push(word);
        continue;
      }
      if (word === '--') {
        this.onlyLeftovers = true;
        continue;
      }
      if (word.startsWith('--')) return this.#long(word);
      this.cluster = word.slice(1);
      this.clusterWord = word;
      return this.#short();
    }
    return { end: true };
  }

  #long(word) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
    const opt = this.table.find((o) => o.long === name);
    if (!opt) return { error: 'unknown option', bad: word };
    if (eq >= 0) {
      if (opt.arg === 'none') return { error: 'option does not take an argument', bad: word };
      return { key: opt.key, arg: word.slice(eq + 1), word };
    }
    return this.#argument(opt, word);
  }

  #short() {
    const letter = this.cluster[0];
    this.cluster = this.cluster.slice(1);
    const opt = this.table.find((o) => o.short === letter);
    if (!opt) {
      this.cluster = '';
      return { error: 'unknown option', bad: this.clusterWord };
    }
    if (opt.arg === 'none') return { key: opt.key, word: this.clusterWord };
    if (this.cluster !== '') {
      const arg = this.cluster;
      this.cluster = '';
      return { key: opt.key, arg, word: this.clusterWord };
    }
    return this.#argument(opt, this.clusterWord);
  }

  #argument(opt, word) {
    if (opt.arg === 'none') return { key: opt.key, word };
    const following = this.args[this.next];
    if (opt.arg === 'optional') {
      if (following !== undefined && !following.startsWith('-')) {
        this.next++;
        return { key: opt.key, arg: following, word };
      }
      return { key: opt.key, word };
    }
    if (following === undefined) return { error: 'missing argument', bad: word };
    this.next++;
    return { key: opt.key, arg: following, word };
  }

  /** poptGetArg: the next leftover word, once the options are read. */
  nextLeftover() {
    return this.leftovers.shift();
  }
}
