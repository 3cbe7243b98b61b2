// How error messages name the table options: as API option objects or as command-line flags, so advice always exists.

/** The table options an error message may advise. */
export type TableOptionKey = 'featureColumns' | 'ignore' | 'categorical' | 'task' | 'missing' | 'maxCategories' | 'testFraction';

/** 'api': `{ missing: 'impute' }` (the default); 'cli': `--missing impute`. */
export type OptionStyle = 'api' | 'cli';

const FLAGS: Record<TableOptionKey, string> = {
  featureColumns: '--features',
  ignore: '--ignore',
  categorical: '--categorical',
  task: '--task',
  missing: '--missing',
  maxCategories: '--max-categories',
  testFraction: '--test-fraction',
};

/** The option as a user would write it: `--ignore id` or `{ ignore: ["id"] }`. */
export function optionHint(style: OptionStyle | undefined, key: TableOptionKey, value: string | number | string[]): string {
  if (style === 'cli') return `${FLAGS[key]} ${Array.isArray(value) ? value.join(',') : value}`;
  return `{ ${key}: ${JSON.stringify(value)} }`;
}

/** The option's bare name: `--ignore` or `ignore`. */
export function optionName(style: OptionStyle | undefined, key: TableOptionKey): string {
  return style === 'cli' ? FLAGS[key] : key;
}
