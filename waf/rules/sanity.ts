// SANITY: request sanity (`;` path-segment parameters, overlong or empty names, odd path forms).
import { family } from './util';

const f = family('SANITY', 112000);
f.add('Basic', ['Parameter', 'Header', 'JSON'], '', 'name longer than 1024 characters', { check: 'very-long-name' });
f.add('Standard', ['PathSegment'], '', '`;` parameters in a path segment', { check: 'segment-params' });
f.add('Standard', ['Parameter', 'Header', 'JSON'], '', 'name longer than 256 characters', { check: 'long-name' });
f.add('Standard', ['Path'], String.raw`\\|/\./|/\.$`, 'backslash or dot segment in path', { literals: ['\\', '/.'] });
f.add('Strict', ['Parameter'], '', 'parameter with an empty name', { check: 'empty-name' });
f.add('Strict', ['Path'], String.raw`//|[^\x20-\x7e]`, 'empty segment or non-ASCII in path', { literals: undefined });

export const rules = f.rules;
