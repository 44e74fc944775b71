import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Status, StatusC, USER_STATUS_MIN } from '../../src/codecs/Status.js';
import { leftLines } from '../helpers/assertions.js';

test('Status values and StatusC', () => {
  assert.equal(Status, {
    Ok: 0,
    NoSuchMethod: 1,
    HandlerError: 2,
    BadRequest: 3,
    Cancelled: 4,
    Timeout: 5,
    Unavailable: 6,
  });
  assert.is(USER_STATUS_MIN, 256);
  assert.ok(StatusC.is(0) && StatusC.is(65535) && StatusC.is(USER_STATUS_MIN));
  assert.not.ok(StatusC.is(-1) || StatusC.is(65536) || StatusC.is(1.5) || StatusC.is('1'));
  assert.equal(leftLines(StatusC.decode(70000)), ['expected a status (integer in [0, 65535]), got 70000']);
});

test.run();
