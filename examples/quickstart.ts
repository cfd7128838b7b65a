import { Subject } from 'rxjs';
import { Arbiter, buildCoreConfig, describeEvent, silentLogger } from '../engine';
import { comfortVentilation, type RoomReading } from './comfort-ventilation';

/** `node dist/examples/quickstart.js`: the library in one page, in real time with perfect devices. */
async function main(): Promise<void> {
  const arbiter = new Arbiter({
    config: buildCoreConfig({
      actuators: [{ id: 'living.window', kind: 'window', initial: 'closed', safe: 'closed' }],
      systems: [{ id: 'security', category: 'property' }],
    }),
    logger: silentLogger, // this page prints the events itself; by default every decision goes to pino
  });
  arbiter.events$.subscribe((e) => console.log(`${e.type.padEnd(10)} ${describeEvent(e)}`));
  await arbiter.start();

  const readings = new Subject<RoomReading>();
  const ventilation = comfortVentilation(arbiter, 'living.window', readings);
  readings.next({ celsius: 28, pm25: 8 });
  await arbiter.settled();
  await arbiter.command({ system: 'security', target: 'living.window', state: 'closed' });
  console.log(JSON.stringify(arbiter.explain('living.window'), null, 2));
  await arbiter.release('security', 'living.window');

  ventilation.unsubscribe();
  await arbiter.stop();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
