#!/usr/bin/env node
// Runs the built CLI, bundled (npm install / npm ci build it through the prepare script).
import { main } from '../dist/bundle/main.js';

const code = await main(process.argv.slice(2));
// Let stdout/stderr drain before exiting (pipes are asynchronous in Node).
process.exitCode = code;
