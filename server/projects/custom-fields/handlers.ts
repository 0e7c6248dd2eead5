// Handlers for the custom field definitions, one function per operationId.
import { FieldErrorCollector, notFound } from '../../core/errors.ts';
import { customFieldKeyTaken, optionGivenTwice, optionsNotTaken, optionStillHeld, SELECT_OPTIONS_REQUIRED_MESSAGE } from '../../core/messages.ts';
import type { Handler } from '../../contract/operations.ts';
import { nextVersion } from '../store.ts';
import { toCustomField } from './mapping.ts';
import { heldOptions, lockCustomField } from './store.ts';
import { loadPage, pageWindow } from '../../core/paging.ts';
import { rowKey } from '../../platform/database/tenancy.ts';

const SELECTS: readonly string[] = ['single_select', 'multi_select'];

/** Repeated options are refused: each is shown once, and a value names it. */
function checkOptions(errors: FieldErrorCollector, options: string[]): void {
  options.forEach((option, index) => {
    if (options.indexOf(option) !== index) errors.add(`custom_field_options.${index}`, optionGivenTwice(option));
  });
}

export const listCustomFields: Handler<'listCustomFields'> = async ({ prisma, query }) => {
  const window = pageWindow({ ...query, order: query.order ?? 'asc' });
  const page = await loadPage(window,
    prisma.customField.findMany({ orderBy: { id: window.order }, skip: window.skip, take: window.take }),
    prisma.customField.count(), toCustomField);
  return { status: 200, body: { ...page, message: 'Custom fields retrieved successfully.' } };
};

export const getCustomField: Handler<'getCustomField'> = async ({ prisma, path }) => {
  const row = await prisma.customField.findFirst({ where: { id: path.id } });
  if (!row) throw notFound('Custom field');
  return { status: 200, body: { data: toCustomField(row), message: 'Custom field retrieved successfully.' } };
};

export const createCustomField: Handler<'createCustomField'> = async ({ prisma, body }) => {
  const errors = new FieldErrorCollector();
  const isSelect = SELECTS.includes(body.custom_field_type);
  if (isSelect && body.custom_field_options === undefined) errors.add('custom_field_options', SELECT_OPTIONS_REQUIRED_MESSAGE);
  if (!isSelect && body.custom_field_options !== undefined) errors.add('custom_field_options', optionsNotTaken(body.custom_field_type));
  checkOptions(errors, body.custom_field_options ?? []);
  if (await prisma.customField.findFirst({ where: { key: body.custom_field_key }, select: { id: true } })) {
    errors.add('custom_field_key', customFieldKeyTaken(body.custom_field_key));
  }
  errors.throwIfAny();
  const row = await prisma.customField.create({
    data: { key: body.custom_field_key, name: body.custom_field_name, type: body.custom_field_type, options: body.custom_field_options ?? [] },
  });
  return { status: 201, body: { data: toCustomField(row), message: 'Custom field created successfully.' } };
};

export const updateCustomField: Handler<'updateCustomField'> = async ({ prisma, path, body }) => {
  const field = await lockCustomField(prisma, path.id);
  if (!field) throw notFound('Custom field');
  const errors = new FieldErrorCollector();
  const options = body.custom_field_options;
  if (options !== undefined) {
    if (!SELECTS.includes(field.type)) errors.add('custom_field_options', optionsNotTaken(field.type));
    checkOptions(errors, options);
    // An option a project holds stays: the value would otherwise name a choice that is gone.
    const held = await heldOptions(prisma, path.id, options);
    for (const { option } of held) errors.add('custom_field_options', optionStillHeld(option));
  }
  errors.throwIfAny();
  const row = await prisma.customField.update({ where: rowKey(path.id), data: { name: body.custom_field_name, options } });
  return { status: 200, body: { data: toCustomField(row), message: 'Custom field updated successfully.' } };
};

/** The projects that held a value change with the field's removal: a new version, a new `dates.updated`. */
export const deleteCustomField: Handler<'deleteCustomField'> = async ({ prisma, path, caller }) => {
  const field = await lockCustomField(prisma, path.id);
  if (!field) throw notFound('Custom field');
  await prisma.project.updateMany({ where: { customValues: { some: { fieldId: path.id } } }, data: nextVersion(caller.userId) });
  await prisma.customField.delete({ where: rowKey(path.id) });
  return { status: 200, body: { data: { id: path.id }, message: 'Custom field deleted successfully.' } };
};
