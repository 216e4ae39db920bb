// An independent BACnet/IP client (@bacnet-js/client) exercising our simulator:
// Who-Is, ReadProperty, ReadPropertyMultiple, WriteProperty with priority and
// relinquish, and a confirmed SubscribeCOV whose notifications must follow a write.
// Usage: node interop.js LOCAL_IP LOCAL_PORT DEVICE_IP:PORT BROADCAST_ADDRESS
// Prints one JSON object with what it saw, and exits non-zero on any failure.
'use strict';
const bacnet = require('@bacnet-js/client');

const Client = bacnet.default;
const { ObjectType, PropertyIdentifier, ApplicationTag, ConfirmedServiceChoice } = bacnet;

const [localIp, localPort, deviceAddress, broadcastAddress] = process.argv.slice(2);
const client = new Client({
  interface: localIp,
  port: Number(localPort),
  broadcastAddress,
  apduTimeout: 3000,
});
const device = { address: deviceAddress };
const AV = { type: ObjectType.ANALOG_VALUE, instance: 2 };
const AI = { type: ObjectType.ANALOG_INPUT, instance: 1 };
const seen = { notifications: [] };
const waiters = [];

function within(ms, what, promise) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref()),
  ]);
}

function waitFor(predicate, what) {
  return within(5000, what, new Promise((resolve) => {
    const check = () => {
      const found = seen.notifications.find(predicate);
      if (found !== undefined) resolve(found);
      return found !== undefined;
    };
    if (!check()) waiters.push(check);
  }));
}

client.on('covNotify', (msg) => {
  // Confirmed notifications must be acknowledged by the application itself.
  client.simpleAckResponse(msg.header.sender, ConfirmedServiceChoice.CONFIRMED_COV_NOTIFICATION, msg.invokeId);
  for (const v of msg.payload.values) {
    if (v.property.id === PropertyIdentifier.PRESENT_VALUE) {
      seen.notifications.push(v.value[0].value);
    }
  }
  for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]()) waiters.splice(i, 1);
});

async function main() {
  const iAm = within(3000, 'I-Am', new Promise((resolve) => client.on('iAm', (m) => resolve(m.payload))));
  client.whoIs(device);
  seen.deviceId = (await iAm).deviceId;

  const name = await client.readProperty(device, { type: ObjectType.DEVICE, instance: seen.deviceId }, PropertyIdentifier.OBJECT_NAME);
  seen.deviceName = name.values[0].value;

  const rpm = await client.readPropertyMultiple(device, [
    { objectId: AI, properties: [{ id: PropertyIdentifier.PRESENT_VALUE }, { id: PropertyIdentifier.UNITS }] },
    { objectId: AV, properties: [{ id: PropertyIdentifier.PRESENT_VALUE }] },
  ]);
  seen.rpm = rpm.values.map((obj) => obj.values.map((p) => p.value[0].value));

  await client.subscribeCov(device, AV, 77, false, true, 60);
  await waitFor(() => true, 'the initial COV notification');

  await client.writeProperty(device, AV, PropertyIdentifier.PRESENT_VALUE,
    [{ type: ApplicationTag.REAL, value: 42.5 }], { priority: 8 });
  await waitFor((v) => Math.abs(v - 42.5) < 1e-6, 'a COV notification of the write');
  const written = await client.readProperty(device, AV, PropertyIdentifier.PRESENT_VALUE);
  seen.afterWrite = written.values[0].value;

  await client.writeProperty(device, AV, PropertyIdentifier.PRESENT_VALUE,
    [{ type: ApplicationTag.NULL, value: null }], { priority: 8 });
  const released = await client.readProperty(device, AV, PropertyIdentifier.PRESENT_VALUE);
  seen.afterRelinquish = released.values[0].value;

  await client.subscribeCov(device, AV, 77, true, true, 0);
  seen.ok = true;
}

main()
  .catch((err) => { seen.ok = false; seen.error = String(err && err.stack || err); })
  .finally(() => {
    console.log(JSON.stringify(seen));
    client.close();
    process.exitCode = seen.ok ? 0 : 1;
  });
