// Sends unsolicited neighbour advertisements from inside a namespace (the test
// process cannot enter one): `na-harness.js DEV COUNT TARGET...`; prints the
// result as one JSON line.
import { sendUnsolicitedNa } from '../../src/net/unsolicited-na.js';

const [dev, count, ...targets] = process.argv.slice(2);
const result = await sendUnsolicitedNa(dev, targets, Number(count));
process.stdout.write(`${JSON.stringify(result)}\n`);
