import { AedesBroker } from './aedes-broker';
import { Mosquitto, MOSQUITTO_BINARY } from './mosquitto';
import { isExecutableFile } from '../../support/executable-file';

/**
 * Debian's mosquitto when it is installed (CI installs it), otherwise aedes in this process: `npm test` needs
 * nothing but the npm registry, and CI still runs the suites against the broker people deploy.
 */
export const MQTT_BROKER: 'mosquitto' | 'aedes' = isExecutableFile(MOSQUITTO_BINARY) ? 'mosquitto' : 'aedes';

let announced = false;

/** The one place the tests get an MQTT broker on 127.0.0.1; the first start says which broker it is. */
export class MqttBroker {
  private readonly broker = MQTT_BROKER === 'mosquitto' ? new Mosquitto() : new AedesBroker();

  get url(): string {
    return this.broker.url;
  }

  get port(): number {
    return this.broker.port;
  }

  /** Every PUBLISH with its sender's client id, on aedes; undefined on mosquitto, which does not tell. */
  get published(): readonly { clientId: string; topic: string; at: number }[] | undefined {
    return this.broker instanceof AedesBroker ? this.broker.published : undefined;
  }

  /** Starts on a free port, or on `port` again (a broker restart, for reconnection tests). */
  async start(port?: number): Promise<void> {
    if (!announced) {
      announced = true;
      console.log(
        MQTT_BROKER === 'mosquitto'
          ? `    (MQTT broker: Debian's mosquitto, ${MOSQUITTO_BINARY})`
          : `    (MQTT broker: aedes in this process; Debian's mosquitto is not installed at ${MOSQUITTO_BINARY})`,
      );
    }
    await this.broker.start(port);
  }

  /** Stops the broker and drops its clients; a second call does nothing. */
  stop(): Promise<void> {
    return this.broker.stop();
  }
}
